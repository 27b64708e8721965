"""Workspace API keys (migration 0020): a tenant table; only the secret's hash is kept."""

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Text,
    Uuid,
)

from atlas.db.metadata import created_at, tenant_table
from atlas.roles.tables import workspace_roles
from atlas.tenancy.permissions import BUILTIN_ROLES

api_keys = tenant_table(
    "api_keys",
    Column("name", Text, nullable=False),
    Column("created_by", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # Exactly one of: a built-in role, a custom role (as it is at each request), a set.
    Column("role", Text, nullable=True),
    Column("custom_role_id", Uuid, nullable=True),
    Column("permissions", ARRAY(Text), nullable=True),
    Column("token_hash", LargeBinary, nullable=False),
    created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    ForeignKeyConstraint(
        ["workspace_id", "custom_role_id"],
        [workspace_roles.c.workspace_id, workspace_roles.c.id],
        name="fk_api_keys_workspace_id_workspace_roles",
        ondelete="CASCADE",
    ),
    CheckConstraint("num_nonnulls(role, custom_role_id, permissions) = 1", name="grant"),
    CheckConstraint(f"role IN {BUILTIN_ROLES!r}", name="role"),
    CheckConstraint(
        "expires_at > created_at AND expires_at <= created_at + interval '1 year'",
        name="expiry",
    ),
    CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name"),
    Index("ix_api_keys_workspace_id_created_at", "workspace_id", "created_at"),
)
