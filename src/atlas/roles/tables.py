"""A workspace's custom roles; members and invitations refer to them by id and name."""

from sqlalchemy import ARRAY, CheckConstraint, Column, Text, UniqueConstraint

from atlas.db.metadata import created_at, tenant_table, updated_at
from atlas.tenancy.permissions import BUILTIN_ROLES

ROLE_NAME_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"

workspace_roles = tenant_table(
    "workspace_roles",
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("permissions", ARRAY(Text), nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "name"),
    UniqueConstraint("workspace_id", "id", "name"),
    CheckConstraint(f"name ~ '{ROLE_NAME_PATTERN}'", name="name_format"),
    CheckConstraint(f"name NOT IN {BUILTIN_ROLES!r}", name="not_builtin"),
)
