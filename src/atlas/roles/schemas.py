"""Request and response bodies of roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from atlas.roles.tables import ROLE_NAME_PATTERN
from atlas.validation import PatchModel, StrictModel

ROLE_NAME_MAX_LENGTH = 40
BUILTIN_DESCRIPTIONS = {
    "owner": "Everything, including deleting and exporting the workspace.",
    "admin": "Manages members, settings and every module's data.",
    "member": "Reads everything; works on tasks, own time and own leave.",
    "viewer": "Reads everything, changes nothing.",
}

RoleName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=ROLE_NAME_MAX_LENGTH, pattern=ROLE_NAME_PATTERN),
    Field(
        description="Lowercase letters, digits and single hyphens, starting with a letter; "
        "a built-in role's name (owner, admin, member, viewer) is taken."
    ),
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Permission = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Permissions = Annotated[
    list[Permission],
    Field(max_length=200, description="`resource:action` names from GET /api/v1/permissions."),
]


class RoleCreate(StrictModel):
    name: RoleName
    description: Description = ""
    permissions: Permissions


class RoleUpdate(PatchModel):
    """Only the fields sent change; none of them may be null. Members keep a renamed role."""

    name: RoleName | None = None
    description: Description | None = None
    permissions: Permissions | None = None


class Role(BaseModel):
    id: uuid.UUID | None = Field(description="Null for the built-in roles.")
    name: str
    description: str
    builtin: bool
    permissions: list[str] = Field(description="Sorted.")
    member_count: int = Field(description="Members who hold this role.")
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class RoleFilters:
    q: str | None = None
    sort: str | None = None
