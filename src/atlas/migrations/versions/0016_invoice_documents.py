"""Invoices sent by email with their PDF.

- `outbox_messages` may carry one attachment: its file name, content type and bytes
  (all three or none).
- `invoice_sends`: each time an invoice was emailed, to whom, with what subject and by
  whom (append-only, audited; the message's text is not kept).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import tenant_policy_sql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ATTACHMENT_COLUMNS = {
    "attachment_filename": "text",
    "attachment_content_type": "text",
    "attachment_content": "bytea",
}


def upgrade(app_role: str) -> None:
    # One subcommand a statement: Citus refuses several in one ALTER.
    for column, kind in ATTACHMENT_COLUMNS.items():
        op.execute(f"ALTER TABLE outbox_messages ADD COLUMN {column} {kind}")
    op.execute(
        "ALTER TABLE outbox_messages ADD CONSTRAINT ck_outbox_messages_attachment_whole"
        " CHECK ((attachment_filename IS NULL) = (attachment_content IS NULL)"
        " AND (attachment_content_type IS NULL) = (attachment_content IS NULL))"
    )
    op.create_table(
        "invoice_sends",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("to_email", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sent_by_user_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "char_length(to_email) <= 320", name=op.f("ck_invoice_sends_to_email_length")
        ),
        sa.CheckConstraint(
            "char_length(subject) <= 200", name=op.f("ck_invoice_sends_subject_length")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_invoice_sends_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "invoice_id"],
            ["invoices.workspace_id", "invoices.id"],
            name=op.f("fk_invoice_sends_workspace_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_user_id"],
            ["users.id"],
            name=op.f("fk_invoice_sends_sent_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_invoice_sends")),
    )
    op.create_index(
        "ix_invoice_sends_workspace_id_invoice_id", "invoice_sends", ["workspace_id", "invoice_id"]
    )
    for statement in tenant_policy_sql("invoice_sends"):
        op.execute(statement)
    op.execute(f'GRANT SELECT, INSERT ON invoice_sends TO "{app_role}"')
    op.execute(
        "CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON invoice_sends"
        " FOR EACH ROW EXECUTE FUNCTION atlas_audit('invoice_send')"
    )


def downgrade(app_role: str) -> None:
    op.execute(f'REVOKE ALL ON invoice_sends FROM "{app_role}"')
    op.drop_table("invoice_sends")
    op.execute("ALTER TABLE outbox_messages DROP CONSTRAINT ck_outbox_messages_attachment_whole")
    for column in reversed(ATTACHMENT_COLUMNS):
        op.execute(f"ALTER TABLE outbox_messages DROP COLUMN {column}")
