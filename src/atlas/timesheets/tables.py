"""Time entries: an employee's hours on a project (and task), keyed by (workspace_id, id).

The foreign keys reach into hr (employees), projects (projects, tasks) and finance (the
invoice an entry is billed on); each includes `workspace_id`.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Numeric,
    Text,
    Uuid,
)

from atlas.db.metadata import created_at, tenant_table, updated_at
from atlas.validation import business_date_range

time_entries = tenant_table(
    "time_entries",
    Column("employee_id", Uuid, nullable=False),
    Column("project_id", Uuid, nullable=False),
    Column("task_id", Uuid, nullable=True),
    Column("entry_date", Date, nullable=False),
    Column("hours", Numeric(4, 2), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("billable", Boolean, nullable=False, server_default="true"),
    Column("hourly_rate", Numeric(12, 2), nullable=True),
    Column("invoice_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    Index(
        "ix_time_entries_workspace_id_employee_id_entry_date",
        "workspace_id",
        "employee_id",
        "entry_date",
    ),
    Index(
        "ix_time_entries_workspace_id_project_id_entry_date",
        "workspace_id",
        "project_id",
        "entry_date",
    ),
    Index("ix_time_entries_workspace_id_invoice_id", "workspace_id", "invoice_id"),
    ForeignKeyConstraint(
        ["workspace_id", "employee_id"], ["employees.workspace_id", "employees.id"]
    ),
    ForeignKeyConstraint(["workspace_id", "project_id"], ["projects.workspace_id", "projects.id"]),
    # Deleting the task clears it first (projects.repository).
    ForeignKeyConstraint(
        ["workspace_id", "project_id", "task_id"],
        ["tasks.workspace_id", "tasks.project_id", "tasks.id"],
    ),
    ForeignKeyConstraint(["workspace_id", "invoice_id"], ["invoices.workspace_id", "invoices.id"]),
    CheckConstraint("hours > 0 AND hours <= 24", name="hours"),
    CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="rate"),
    CheckConstraint(business_date_range("entry_date"), name="entry_date_range"),
)
