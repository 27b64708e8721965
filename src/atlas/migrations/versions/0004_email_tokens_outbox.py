"""Email tokens and a reliable outbox.

- `email_tokens`: single-use, expiring tokens sent by email (email verification and
  password reset). Only the SHA-256 of a token is stored. A global table, like `sessions`.
- `outbox_messages` gains what the background sender needs to retry with backoff:
  `attempts`, `last_attempt_at`, `next_attempt_at`, `last_error` and `failed_at` (given
  up). The index of pending messages now follows `next_attempt_at`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TOKEN_PURPOSES = "('verify_email', 'password_reset')"


def upgrade(app_role: str) -> None:
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"purpose IN {TOKEN_PURPOSES}", name=op.f("ck_email_tokens_purpose")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_tokens_token_hash")),
    )
    op.create_index("ix_email_tokens_user_id_purpose", "email_tokens", ["user_id", "purpose"])
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON email_tokens TO "{app_role}"')

    op.add_column(
        "outbox_messages",
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "outbox_messages",
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "outbox_messages",
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.add_column("outbox_messages", sa.Column("last_error", sa.Text(), nullable=True))
    op.add_column(
        "outbox_messages", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.drop_index(
        "ix_outbox_messages_unsent",
        table_name="outbox_messages",
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_messages_due",
        "outbox_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )


def downgrade(app_role: str) -> None:
    op.drop_index(
        "ix_outbox_messages_due",
        table_name="outbox_messages",
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_messages_unsent",
        "outbox_messages",
        ["created_at"],
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    for column in ("failed_at", "last_error", "next_attempt_at", "last_attempt_at", "attempts"):
        op.drop_column("outbox_messages", column)
    op.execute(f'REVOKE ALL ON email_tokens FROM "{app_role}"')
    op.drop_table("email_tokens")
