"""HR: departments, employees, leave types and leave requests (tenant tables)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from atlas.db.metadata import created_at, sort_index, tenant_table, updated_at
from atlas.db.query import rank
from atlas.db.textsearch import SearchDocument
from atlas.validation import business_date_range, set_together_check

EMPLOYMENT_TYPES = ("full_time", "part_time", "contractor", "intern")
EMPLOYEE_STATUSES = ("onboarding", "active", "on_leave", "terminated")
LEAVE_STATUSES = ("pending", "approved", "rejected", "cancelled")

# What the global search finds departments and employees by (atlas.db.textsearch).
DEPARTMENT_SEARCH = SearchDocument((("A", ("code", "name")),))
EMPLOYEE_SEARCH = SearchDocument((("A", ("first_name", "last_name")), ("B", ("work_email",))))

departments = tenant_table(
    "departments",
    Column("code", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_department_id", Uuid, nullable=True),
    Column("manager_employee_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    DEPARTMENT_SEARCH.column(),
    DEPARTMENT_SEARCH.index("departments"),
    UniqueConstraint("workspace_id", "code"),
    UniqueConstraint("workspace_id", "name"),
    ForeignKeyConstraint(
        ["workspace_id", "parent_department_id"],
        ["departments.workspace_id", "departments.id"],
    ),
    # Deleting the manager clears it first (hr.service): Citus takes no SET NULL on a key
    # holding workspace_id, so no foreign key of a tenant table sets anything.
    ForeignKeyConstraint(
        ["workspace_id", "manager_employee_id"],
        ["employees.workspace_id", "employees.id"],
        use_alter=True,
        name="fk_departments_workspace_id_manager_employee_id_employees",
    ),
    CheckConstraint("parent_department_id IS NULL OR parent_department_id <> id", name="parent"),
)

employees = tenant_table(
    "employees",
    Column("number", Integer, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("work_email", Text, nullable=False),
    Column("user_id", Uuid, nullable=True),
    Column("department_id", Uuid, nullable=True),
    Column("manager_id", Uuid, nullable=True),
    Column("job_title", Text, nullable=False, server_default=""),
    Column("employment_type", Text, nullable=False, server_default="full_time"),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("status", Text, nullable=False, server_default="onboarding"),
    Column("salary", Numeric(14, 2), nullable=True),
    Column("salary_currency", String(3), nullable=True),
    created_at(),
    updated_at(),
    EMPLOYEE_SEARCH.column(),
    EMPLOYEE_SEARCH.index("employees"),
    UniqueConstraint("workspace_id", "number"),
    UniqueConstraint("workspace_id", "user_id"),
    Index(
        "uq_employees_workspace_id_work_email",
        "workspace_id",
        func.lower(Column("work_email", Text)),
        unique=True,
    ),
    Index("ix_employees_workspace_id_department_id", "workspace_id", "department_id"),
    Index("ix_employees_workspace_id_manager_id", "workspace_id", "manager_id"),
    sort_index("employees", "last_name_lower", "lower(last_name)"),
    sort_index("employees", "first_name_lower", "lower(first_name)"),
    sort_index("employees", "status_rank", rank("status", EMPLOYEE_STATUSES)),
    sort_index("employees", "start_date"),
    sort_index("employees", "created_at"),
    # Removing the member, deleting the department or the manager clears these first.
    ForeignKeyConstraint(
        ["workspace_id", "user_id"],
        ["workspace_members.workspace_id", "workspace_members.user_id"],
    ),
    ForeignKeyConstraint(
        ["workspace_id", "department_id"],
        ["departments.workspace_id", "departments.id"],
    ),
    ForeignKeyConstraint(
        ["workspace_id", "manager_id"],
        ["employees.workspace_id", "employees.id"],
    ),
    CheckConstraint(f"employment_type IN {EMPLOYMENT_TYPES!r}", name="employment_type"),
    CheckConstraint(f"status IN {EMPLOYEE_STATUSES!r}", name="status"),
    CheckConstraint("number > 0", name="number"),
    CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
    CheckConstraint(
        "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
    ),
    CheckConstraint("salary IS NULL OR salary >= 0", name="salary"),
    CheckConstraint(set_together_check("salary", "salary_currency"), name="salary_currency"),
    CheckConstraint(business_date_range("start_date"), name="start_date_range"),
    CheckConstraint(business_date_range("end_date"), name="end_date_range"),
)

leave_types = tenant_table(
    "leave_types",
    Column("name", Text, nullable=False),
    Column("yearly_allowance_days", Numeric(5, 1), nullable=False),
    created_at(),
    updated_at(),
    UniqueConstraint("workspace_id", "name"),
    CheckConstraint("yearly_allowance_days >= 0", name="allowance"),
)

leave_requests = tenant_table(
    "leave_requests",
    Column("employee_id", Uuid, nullable=False),
    Column("leave_type_id", Uuid, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("start_half_day", Boolean, nullable=False, server_default="false"),
    Column("end_half_day", Boolean, nullable=False, server_default="false"),
    Column("days", Numeric(5, 1), nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("reason", Text, nullable=False, server_default=""),
    # What the decider tells the requester (why it was rejected); migration 0013.
    Column("decision_note", Text, nullable=False, server_default=""),
    Column("decided_by_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    # Who filed it; like the decider, a user rather than a membership, so that leaving and
    # re-joining the workspace does not forget it (nobody decides a request they filed).
    Column(
        "requested_by_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    created_at(),
    updated_at(),
    Index(
        "ix_leave_requests_workspace_id_employee_id_start_date",
        "workspace_id",
        "employee_id",
        "start_date",
    ),
    Index("ix_leave_requests_workspace_id_status", "workspace_id", "status"),
    ForeignKeyConstraint(
        ["workspace_id", "employee_id"],
        ["employees.workspace_id", "employees.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["workspace_id", "leave_type_id"],
        ["leave_types.workspace_id", "leave_types.id"],
    ),
    CheckConstraint(f"status IN {LEAVE_STATUSES!r}", name="status"),
    CheckConstraint("end_date >= start_date", name="dates"),
    CheckConstraint("days > 0", name="days"),
    CheckConstraint("char_length(decision_note) <= 2000", name="decision_note_length"),
    CheckConstraint(business_date_range("start_date"), name="start_date_range"),
    CheckConstraint(business_date_range("end_date"), name="end_date_range"),
)

# Every user an employee record has ever been linked to, written with each link and never
# changed by the app (SELECT and INSERT only): unlinking a record does not make its leave
# someone else's to decide.
employee_user_links = tenant_table(
    "employee_user_links",
    Column("employee_id", Uuid, nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("workspace_id", "employee_id", "user_id"),
    ForeignKeyConstraint(
        ["workspace_id", "employee_id"],
        ["employees.workspace_id", "employees.id"],
        ondelete="CASCADE",
    ),
)
