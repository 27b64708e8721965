"""Workspaces (global) and their members and invitations (tenant rows)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from atlas.db.metadata import created_at, metadata, tenant_table, updated_at

ROLES = ("owner", "admin", "member", "viewer")
INVITATION_STATUSES = ("pending", "accepted", "rejected", "canceled", "expired")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False, unique=True),
    Column("base_currency", String(3), nullable=False, server_default="USD"),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("fiscal_year_start_month", SmallInteger, nullable=False, server_default="1"),
    created_at(),
    updated_at(),
    CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),
    CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_month"),
)

workspace_members = tenant_table(
    "workspace_members",
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", Text, nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "user_id"),
    Index("ix_workspace_members_user_id", "user_id"),
    CheckConstraint(f"role IN {ROLES!r}", name="role"),
)

invitations = tenant_table(
    "invitations",
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("inviter_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("token_hash", LargeBinary, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "token_hash"),
    Index("ix_invitations_workspace_id_status", "workspace_id", "status"),
    Index("ix_invitations_email_lower", func.lower(Column("email", Text))),
    Index(
        "uq_invitations_one_pending",
        "workspace_id",
        func.lower(Column("email", Text)),
        unique=True,
        postgresql_where=text("status = 'pending'"),
    ),
    CheckConstraint(f"role IN {ROLES!r}", name="role"),
    CheckConstraint(f"status IN {INVITATION_STATUSES!r}", name="status"),
)

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True),
    Column("to_email", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    created_at(),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_messages_unsent", "created_at", postgresql_where=text("sent_at IS NULL")),
)
