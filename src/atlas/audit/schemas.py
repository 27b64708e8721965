"""Audit events as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEvent(BaseModel):
    id: uuid.UUID
    occurred_at: datetime
    actor_user_id: uuid.UUID | None = Field(description="Null for changes made by the system.")
    actor_email: str | None
    action: str = Field(description="`{entity_type}.created`, `.updated` or `.deleted`.")
    entity_type: str
    entity_id: uuid.UUID
    changes: dict[str, Any] = Field(
        description="Changed fields, each {old, new}; secrets and, without hr:salary, "
        'salaries read "[redacted]".'
    )
    request_id: str | None
    client_ip: str | None
