"""Dates within the business range.

Every date column takes only days from 1900-01-01 to 2200-12-31, as the API does. Before,
PostgreSQL took anything a `date` holds, including 'infinity' and '-infinity', which is
what asyncpg sends for Python's `date.max` and `date.min` (so 9999-12-31 became infinity).
Existing rows outside the range make the upgrade fail on the constraint that names them;
correct them first (docs/operations.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DATE_COLUMNS = {
    "invoices": ("issue_date", "due_date"),
    "payments": ("paid_on",),
    "employees": ("start_date", "end_date"),
    "leave_requests": ("start_date", "end_date"),
    "projects": ("start_date", "end_date"),
    "tasks": ("due_date",),
    "time_entries": ("entry_date",),
}


def upgrade(app_role: str) -> None:
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            op.create_check_constraint(
                op.f(f"ck_{table}_{column}_range"),
                table,
                f"{column} BETWEEN '1900-01-01' AND '2200-12-31'",
            )


def downgrade(app_role: str) -> None:
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            op.drop_constraint(op.f(f"ck_{table}_{column}_range"), table, type_="check")
