"""The workspace as a seller: legal name, address, tax id and bank details, printed on
its invoices.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SELLER_COLUMNS = {"legal_name": 200, "address": 2000, "tax_id": 64, "bank_details": 2000}


def upgrade(app_role: str) -> None:
    # One subcommand a statement: Citus refuses ADD CONSTRAINT beside others.
    for column, most in SELLER_COLUMNS.items():
        op.execute(f"ALTER TABLE workspaces ADD COLUMN {column} text NOT NULL DEFAULT ''")
        op.execute(
            f"ALTER TABLE workspaces ADD CONSTRAINT ck_workspaces_{column}_length"
            f" CHECK (char_length({column}) <= {most})"
        )


def downgrade(app_role: str) -> None:
    for column in reversed(SELLER_COLUMNS):
        op.execute(f"ALTER TABLE workspaces DROP COLUMN {column}")
