"""Global identity tables: users, their sessions and emailed tokens (not tenant rows)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
)

from atlas.db.metadata import created_at, metadata, updated_at
from atlas.locales import locale_check

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("email_verified", Boolean, nullable=False, server_default="false"),
    # The locale pages show dates and numbers in; NULL: the workspace's (migration 0017).
    Column("locale", Text, nullable=True),
    created_at(),
    updated_at(),
    Index("uq_users_email_lower", func.lower(Column("email", Text)), unique=True),
    CheckConstraint(locale_check("locale"), name="locale"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    Column(
        "active_workspace_id",
        Uuid,
        ForeignKey("workspaces.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("ip_address", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    created_at(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Single-use tokens sent by email; only their SHA-256 is stored.
EMAIL_TOKEN_PURPOSES = ("verify_email", "password_reset")

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    Column("email", Text, nullable=False),
    created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_email_tokens_user_id_purpose", "user_id", "purpose"),
    CheckConstraint(f"purpose IN {EMAIL_TOKEN_PURPOSES!r}", name="purpose"),
)
