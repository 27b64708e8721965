"""Global identity tables: users, their sessions and emailed tokens (not tenant rows)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
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

# How a session was authenticated: every value but "password" carries a second factor.
AUTHENTICATED_BY = ("password", "password+totp", "password+backup_code", "passkey")

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
    # How the session was opened and when (migration 0019): see AUTHENTICATED_BY.
    Column("authenticated_by", Text, nullable=False, server_default="password"),
    Column("authenticated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"authenticated_by IN {AUTHENTICATED_BY!r}", name="authenticated_by"),
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

# Two-factor sign-in (migration 0019). The TOTP secret is sealed (identity.sealing);
# `last_used_step` moves forward only (the trigger `step_forward` refuses any other move).
user_totp = Table(
    "user_totp",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("secret", LargeBinary, nullable=False),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    Column("last_used_step", BigInteger, nullable=True),
    created_at(),
)

backup_codes = Table(
    "backup_codes",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", LargeBinary, primary_key=True),
    Column("used_at", DateTime(timezone=True), nullable=True),
    created_at(),
)

# The password step passed; a code must answer it before a session exists.
sign_in_challenges = Table(
    "sign_in_challenges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("ip_address", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("attempts >= 0", name="attempts"),
)

# Passkeys (WebAuthn, migration 0021): public keys only; the counter moves forward.
passkeys = Table(
    "passkeys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("credential_id", LargeBinary, nullable=False, unique=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False, server_default="0"),
    Column("name", Text, nullable=False),
    Column("transports", ARRAY(Text), nullable=False, server_default="{}"),
    created_at(),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("sign_count >= 0", name="sign_count"),
    CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name"),
)

WEBAUTHN_PURPOSES = ("register", "sign_in")

# A challenge sent for a ceremony: its hash, single use, expiring.
webauthn_challenges = Table(
    "webauthn_challenges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("purpose", Text, nullable=False),
    Column("challenge_hash", LargeBinary, nullable=False, unique=True),
    created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    CheckConstraint(f"purpose IN {WEBAUTHN_PURPOSES!r}", name="purpose"),
    CheckConstraint("(purpose = 'register') = (user_id IS NOT NULL)", name="user"),
)
