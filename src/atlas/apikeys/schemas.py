"""Request and response bodies of workspace API keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from atlas.roles.schemas import Permissions, RoleName
from atlas.validation import StrictModel

MAX_DAYS = 365
DEFAULT_DAYS = 90

KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ApiKeyCreate(StrictModel):
    """Exactly one of `role` (a built-in or custom role) and `permissions`."""

    name: KeyName
    expires_in_days: int = Field(
        default=DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="1 to 365 days; 90 by default."
    )
    role: RoleName | None = Field(default=None, description="A built-in or custom role.")
    permissions: Permissions | None = None


class ApiKey(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's public part, `atl_<id>`: how to recognize it.")
    created_by: uuid.UUID
    created_by_name: str
    role: str | None = Field(description="The role it was given; null for a permission set.")
    permissions: list[str] = Field(
        description="What the key may do now (its role's or its set); at each request it "
        "does only those its creator then holds."
    )
    status: KeyStatus
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="To the minute.")


class ApiKeyCreated(ApiKey):
    secret: str = Field(
        description="The key, `atl_<id>_<secret>`: shown only now; send it as "
        "`Authorization: Bearer <key>`."
    )


@dataclass(frozen=True)
class ApiKeyFilters:
    status: KeyStatus | None = None
    q: str | None = None
    sort: str | None = None
