"""A leave request's decision note: why it was rejected (or anything the approver adds),
shown to the requester.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from atlas.db.rls import app_update_grant_sql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# One subcommand a statement: Citus refuses ADD CONSTRAINT beside others on a distributed
# table.
def upgrade(app_role: str) -> None:
    op.execute("ALTER TABLE leave_requests ADD COLUMN decision_note text NOT NULL DEFAULT ''")
    op.execute(
        "ALTER TABLE leave_requests ADD CONSTRAINT ck_leave_requests_decision_note_length"
        " CHECK (char_length(decision_note) <= 2000)"
    )
    op.execute(app_update_grant_sql("leave_requests", app_role))


def downgrade(app_role: str) -> None:
    op.execute("ALTER TABLE leave_requests DROP CONSTRAINT ck_leave_requests_decision_note_length")
    op.execute("ALTER TABLE leave_requests DROP COLUMN decision_note")
    op.execute(app_update_grant_sql("leave_requests", app_role))
