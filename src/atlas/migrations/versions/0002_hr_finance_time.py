"""HR, finance and time tracking: departments, employees, leave, customers, invoices,
payments, time entries, and the gapless per-workspace counters.

Every new table gets the tenant policy and the app role's DML grants.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import tenant_policy_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_TABLES = (
    "number_sequences",
    "departments",
    "employees",
    "leave_types",
    "leave_requests",
    "customers",
    "invoices",
    "invoice_lines",
    "payments",
    "time_entries",
)


def upgrade(app_role: str) -> None:
    op.create_table(
        "customers",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("billing_address", sa.Text(), server_default="", nullable=False),
        sa.Column("tax_id", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name=op.f("ck_customers_terms")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customers_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_customers")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_customers_workspace_id_name")),
        info={"tenant": True},
    )
    op.create_table(
        "departments",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_department_id", sa.Uuid(), nullable=True),
        sa.Column("manager_employee_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "parent_department_id IS NULL OR parent_department_id <> id",
            name=op.f("ck_departments_parent"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "parent_department_id"],
            ["departments.workspace_id", "departments.id"],
            name=op.f("fk_departments_workspace_id_parent_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_departments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_departments")),
        sa.UniqueConstraint("workspace_id", "code", name=op.f("uq_departments_workspace_id_code")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_departments_workspace_id_name")),
        info={"tenant": True},
    )
    op.create_table(
        "leave_types",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("yearly_allowance_days", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("yearly_allowance_days >= 0", name=op.f("ck_leave_types_allowance")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_leave_types_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_leave_types")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_leave_types_workspace_id_name")),
        info={"tenant": True},
    )
    op.create_table(
        "number_sequences",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("last_value > 0", name=op.f("ck_number_sequences_last_value")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_number_sequences_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_number_sequences")),
        sa.UniqueConstraint(
            "workspace_id", "name", name=op.f("uq_number_sequences_workspace_id_name")
        ),
        info={"tenant": True},
    )
    op.create_table(
        "employees",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("work_email", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("job_title", sa.Text(), server_default="", nullable=False),
        sa.Column("employment_type", sa.Text(), server_default="full_time", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default="onboarding", nullable=False),
        sa.Column("salary", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "employment_type IN ('full_time', 'part_time', 'contractor', 'intern')",
            name=op.f("ck_employees_employment_type"),
        ),
        sa.CheckConstraint(
            "status IN ('onboarding', 'active', 'on_leave', 'terminated')",
            name=op.f("ck_employees_status"),
        ),
        sa.CheckConstraint(
            "(salary IS NULL) = (salary_currency IS NULL)",
            name=op.f("ck_employees_salary_currency"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_employees_dates"),
        ),
        sa.CheckConstraint(
            "manager_id IS NULL OR manager_id <> id", name=op.f("ck_employees_not_own_manager")
        ),
        sa.CheckConstraint("number > 0", name=op.f("ck_employees_number")),
        sa.CheckConstraint("salary IS NULL OR salary >= 0", name=op.f("ck_employees_salary")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "department_id"],
            ["departments.workspace_id", "departments.id"],
            name=op.f("fk_employees_workspace_id_department_id_departments"),
            ondelete="SET NULL (department_id)",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "manager_id"],
            ["employees.workspace_id", "employees.id"],
            name=op.f("fk_employees_workspace_id_manager_id_employees"),
            ondelete="SET NULL (manager_id)",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["workspace_members.workspace_id", "workspace_members.user_id"],
            name=op.f("fk_employees_workspace_id_user_id_workspace_members"),
            ondelete="SET NULL (user_id)",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_employees_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_employees")),
        sa.UniqueConstraint(
            "workspace_id", "number", name=op.f("uq_employees_workspace_id_number")
        ),
        sa.UniqueConstraint(
            "workspace_id", "user_id", name=op.f("uq_employees_workspace_id_user_id")
        ),
        info={"tenant": True},
    )
    # Departments and employees point at each other: this one is added once both exist.
    op.create_foreign_key(
        "fk_departments_workspace_id_manager_employee_id_employees",
        "departments",
        "employees",
        ["workspace_id", "manager_employee_id"],
        ["workspace_id", "id"],
        ondelete="SET NULL (manager_employee_id)",
    )
    op.create_index(
        "ix_employees_workspace_id_department_id",
        "employees",
        ["workspace_id", "department_id"],
        unique=False,
    )
    op.create_index(
        "ix_employees_workspace_id_manager_id",
        "employees",
        ["workspace_id", "manager_id"],
        unique=False,
    )
    op.create_index(
        "uq_employees_workspace_id_work_email",
        "employees",
        ["workspace_id", sa.literal_column("lower(work_email)")],
        unique=True,
    )
    op.create_table(
        "invoices",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "subtotal", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "tax_total", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column("total", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column(
            "amount_paid", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status = 'draft' OR number IS NOT NULL", name=op.f("ck_invoices_numbered_once_issued")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'paid', 'void')", name=op.f("ck_invoices_status")
        ),
        sa.CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= total", name=op.f("ck_invoices_paid_within_total")
        ),
        sa.CheckConstraint(
            "due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date",
            name=op.f("ck_invoices_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "customer_id"],
            ["customers.workspace_id", "customers.id"],
            name=op.f("fk_invoices_workspace_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_invoices_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_invoices_workspace_id_number")),
        info={"tenant": True},
    )
    op.create_index(
        "ix_invoices_workspace_id_customer_id",
        "invoices",
        ["workspace_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_workspace_id_status_due_date",
        "invoices",
        ["workspace_id", "status", "due_date"],
        unique=False,
    )
    op.create_table(
        "invoice_lines",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=2), server_default="0", nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_invoice_lines_quantity")),
        sa.CheckConstraint(
            "tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_invoice_lines_tax_rate")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "invoice_id"],
            ["invoices.workspace_id", "invoices.id"],
            name=op.f("fk_invoice_lines_workspace_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_invoice_lines_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "workspace_id",
            "invoice_id",
            "position",
            name=op.f("uq_invoice_lines_workspace_id_invoice_id_position"),
        ),
        info={"tenant": True},
    )
    op.create_table(
        "leave_requests",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("leave_type_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("start_half_day", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("end_half_day", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("days", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'cancelled')",
            name=op.f("ck_leave_requests_status"),
        ),
        sa.CheckConstraint("days > 0", name=op.f("ck_leave_requests_days")),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_leave_requests_dates")),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_leave_requests_decided_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "employee_id"],
            ["employees.workspace_id", "employees.id"],
            name=op.f("fk_leave_requests_workspace_id_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "leave_type_id"],
            ["leave_types.workspace_id", "leave_types.id"],
            name=op.f("fk_leave_requests_workspace_id_leave_type_id_leave_types"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_leave_requests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_leave_requests")),
        info={"tenant": True},
    )
    op.create_index(
        "ix_leave_requests_workspace_id_employee_id_start_date",
        "leave_requests",
        ["workspace_id", "employee_id", "start_date"],
        unique=False,
    )
    op.create_index(
        "ix_leave_requests_workspace_id_status",
        "leave_requests",
        ["workspace_id", "status"],
        unique=False,
    )
    op.create_table(
        "payments",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "method IN ('bank_transfer', 'card', 'cash', 'cheque', 'other')",
            name=op.f("ck_payments_method"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "invoice_id"],
            ["invoices.workspace_id", "invoices.id"],
            name=op.f("fk_payments_workspace_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_payments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_payments")),
        info={"tenant": True},
    )
    op.create_index(
        "ix_payments_workspace_id_invoice_id",
        "payments",
        ["workspace_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "time_entries",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("billable", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "hourly_rate IS NULL OR hourly_rate >= 0", name=op.f("ck_time_entries_rate")
        ),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name=op.f("ck_time_entries_hours")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "employee_id"],
            ["employees.workspace_id", "employees.id"],
            name=op.f("fk_time_entries_workspace_id_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "invoice_id"],
            ["invoices.workspace_id", "invoices.id"],
            name=op.f("fk_time_entries_workspace_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id", "task_id"],
            ["tasks.workspace_id", "tasks.project_id", "tasks.id"],
            name=op.f("fk_time_entries_workspace_id_project_id_task_id_tasks"),
            ondelete="SET NULL (task_id)",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id"],
            ["projects.workspace_id", "projects.id"],
            name=op.f("fk_time_entries_workspace_id_project_id_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_time_entries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_time_entries")),
        info={"tenant": True},
    )
    op.create_index(
        "ix_time_entries_workspace_id_employee_id_entry_date",
        "time_entries",
        ["workspace_id", "employee_id", "entry_date"],
        unique=False,
    )
    op.create_index(
        "ix_time_entries_workspace_id_invoice_id",
        "time_entries",
        ["workspace_id", "invoice_id"],
        unique=False,
    )
    op.create_index(
        "ix_time_entries_workspace_id_project_id_entry_date",
        "time_entries",
        ["workspace_id", "project_id", "entry_date"],
        unique=False,
    )

    for table in NEW_TABLES:
        for statement in tenant_policy_sql(table):
            op.execute(statement)
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{app_role}"')


def downgrade(app_role: str) -> None:
    op.drop_constraint("fk_departments_workspace_id_manager_employee_id_employees", "departments")
    op.drop_index("ix_time_entries_workspace_id_project_id_entry_date", table_name="time_entries")
    op.drop_index("ix_time_entries_workspace_id_invoice_id", table_name="time_entries")
    op.drop_index("ix_time_entries_workspace_id_employee_id_entry_date", table_name="time_entries")
    op.drop_table("time_entries")
    op.drop_index("ix_payments_workspace_id_invoice_id", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_leave_requests_workspace_id_status", table_name="leave_requests")
    op.drop_index(
        "ix_leave_requests_workspace_id_employee_id_start_date", table_name="leave_requests"
    )
    op.drop_table("leave_requests")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_workspace_id_status_due_date", table_name="invoices")
    op.drop_index("ix_invoices_workspace_id_customer_id", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("uq_employees_workspace_id_work_email", table_name="employees")
    op.drop_index("ix_employees_workspace_id_manager_id", table_name="employees")
    op.drop_index("ix_employees_workspace_id_department_id", table_name="employees")
    op.drop_table("employees")
    op.drop_table("number_sequences")
    op.drop_table("leave_types")
    op.drop_table("departments")
    op.drop_table("customers")
