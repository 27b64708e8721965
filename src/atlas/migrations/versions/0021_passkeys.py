"""Passkeys (WebAuthn): users' credentials and the challenges of their ceremonies.

- `passkeys`: a user's public-key credentials, `credential_id` unique across users; the
  authenticator's signature counter (`sign_count`) only moves forward, as the sign-in
  checks it.
- `webauthn_challenges`: the SHA-256 of each challenge sent to a browser, for a
  registration (the user's) or a sign-in (no user yet: a passkey names its own); single
  use (deleted when answered) and expiring.

Global tables, like `sessions`.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    role = f'"{app_role}"'
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("transports", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sign_count >= 0", name=op.f("ck_passkeys_sign_count")),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name=op.f("ck_passkeys_name")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"])
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON passkeys TO {role}")

    op.create_table(
        "webauthn_challenges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("challenge_hash", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('register', 'sign_in')", name=op.f("ck_webauthn_challenges_purpose")
        ),
        sa.CheckConstraint(
            "(purpose = 'register') = (user_id IS NOT NULL)",
            name=op.f("ck_webauthn_challenges_user"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_webauthn_challenges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_challenges")),
        sa.UniqueConstraint("challenge_hash", name=op.f("uq_webauthn_challenges_challenge_hash")),
    )
    op.create_index("ix_webauthn_challenges_expires_at", "webauthn_challenges", ["expires_at"])
    op.execute(f"GRANT SELECT, INSERT, DELETE ON webauthn_challenges TO {role}")


def downgrade(app_role: str) -> None:
    op.drop_table("webauthn_challenges")
    op.drop_table("passkeys")
