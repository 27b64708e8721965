"""An index for each sort of the large lists.

Each list orders by its sort key and then `id`; an index on (workspace_id, key, id) lets
PostgreSQL read a page in order and stop after it, where before it sorted every row of the
workspace (scanned backwards, the same index serves the descending sort). Status and
priority sort in workflow order, so their indexes are on the same `array_position`
expression the lists order by (atlas.db.query.rank). The invoices' `updated_at` index
serves the dashboard's latest invoices.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INVOICE_RANK = "array_position(ARRAY['draft', 'issued', 'paid', 'void']::text[], status)"
EMPLOYEE_RANK = (
    "array_position(ARRAY['onboarding', 'active', 'on_leave', 'terminated']::text[], status)"
)
TASK_STATUS_RANK = (
    "array_position(ARRAY['todo', 'in_progress', 'blocked', 'done', 'cancelled']::text[], status)"
)
TASK_PRIORITY_RANK = "array_position(ARRAY['low', 'medium', 'high', 'urgent']::text[], priority)"

# name: (table, the key between workspace_id and id)
INDEXES = {
    "ix_invoices_workspace_id_number_id": ("invoices", "number"),
    "ix_invoices_workspace_id_status_rank_id": ("invoices", INVOICE_RANK),
    "ix_invoices_workspace_id_issue_date_id": ("invoices", "issue_date"),
    "ix_invoices_workspace_id_due_date_id": ("invoices", "due_date"),
    "ix_invoices_workspace_id_total_id": ("invoices", "total"),
    "ix_invoices_workspace_id_created_at_id": ("invoices", "created_at"),
    "ix_invoices_workspace_id_updated_at_id": ("invoices", "updated_at"),
    "ix_customers_workspace_id_name_lower_id": ("customers", "lower(name)"),
    "ix_customers_workspace_id_created_at_id": ("customers", "created_at"),
    "ix_employees_workspace_id_last_name_lower_id": ("employees", "lower(last_name)"),
    "ix_employees_workspace_id_first_name_lower_id": ("employees", "lower(first_name)"),
    "ix_employees_workspace_id_status_rank_id": ("employees", EMPLOYEE_RANK),
    "ix_employees_workspace_id_start_date_id": ("employees", "start_date"),
    "ix_employees_workspace_id_created_at_id": ("employees", "created_at"),
    "ix_tasks_workspace_id_number_id": ("tasks", "number"),
    "ix_tasks_workspace_id_title_lower_id": ("tasks", "lower(title)"),
    "ix_tasks_workspace_id_status_rank_id": ("tasks", TASK_STATUS_RANK),
    "ix_tasks_workspace_id_priority_rank_id": ("tasks", TASK_PRIORITY_RANK),
    "ix_tasks_workspace_id_due_date_id": ("tasks", "due_date"),
    "ix_tasks_workspace_id_created_at_id": ("tasks", "created_at"),
    "ix_tasks_workspace_id_updated_at_id": ("tasks", "updated_at"),
}


def upgrade(app_role: str) -> None:
    for name, (table, key) in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} (workspace_id, {key}, id)")


def downgrade(app_role: str) -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
