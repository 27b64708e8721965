"""Audit events as the API shows them, and the filters of their list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class AuditFilters:
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_user_id: uuid.UUID | None = None
    action: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str | None = None
