"""Projects and tasks: tenant tables keyed by (workspace_id, id)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from atlas.db.metadata import created_at, sort_index, tenant_table, updated_at
from atlas.db.query import rank
from atlas.db.textsearch import SearchDocument
from atlas.validation import business_date_range

PROJECT_STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
TASK_STATUSES = ("todo", "in_progress", "blocked", "done", "cancelled")
TASK_PRIORITIES = ("low", "medium", "high", "urgent")

# What the global search finds projects and tasks by (atlas.db.textsearch); a task is
# also found by its key (`WEB-12`), exactly.
PROJECT_SEARCH = SearchDocument((("A", ("code", "name")),))
TASK_SEARCH = SearchDocument((("A", ("title",)),))

projects = tenant_table(
    "projects",
    Column("code", String(10), nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="planned"),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("budget", Numeric(14, 2), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("last_task_number", Integer, nullable=False, server_default="0"),
    created_at(),
    updated_at(),
    PROJECT_SEARCH.column(),
    PROJECT_SEARCH.index("projects"),
    UniqueConstraint("workspace_id", "code"),
    Index("ix_projects_workspace_id_status", "workspace_id", "status"),
    CheckConstraint(f"status IN {PROJECT_STATUSES!r}", name="status"),
    CheckConstraint("code ~ '^[A-Z][A-Z0-9]{1,9}$'", name="code_format"),
    CheckConstraint(
        "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
    ),
    CheckConstraint("budget IS NULL OR budget >= 0", name="budget"),
    CheckConstraint(business_date_range("start_date"), name="start_date_range"),
    CheckConstraint(business_date_range("end_date"), name="end_date_range"),
)

tasks = tenant_table(
    "tasks",
    Column("project_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="todo"),
    Column("priority", Text, nullable=False, server_default="medium"),
    Column("assignee_user_id", Uuid, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("estimate_hours", Numeric(7, 2), nullable=True),
    Column("depends_on_task_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    TASK_SEARCH.column(),
    TASK_SEARCH.index("tasks"),
    UniqueConstraint("workspace_id", "project_id", "number"),
    UniqueConstraint("workspace_id", "project_id", "id"),
    ForeignKeyConstraint(
        ["workspace_id", "project_id"],
        ["projects.workspace_id", "projects.id"],
        ondelete="CASCADE",
    ),
    # Removing the member or deleting the task clears these first (projects.service).
    ForeignKeyConstraint(
        ["workspace_id", "assignee_user_id"],
        ["workspace_members.workspace_id", "workspace_members.user_id"],
    ),
    ForeignKeyConstraint(
        ["workspace_id", "project_id", "depends_on_task_id"],
        ["tasks.workspace_id", "tasks.project_id", "tasks.id"],
    ),
    Index("ix_tasks_workspace_id_assignee_user_id", "workspace_id", "assignee_user_id"),
    Index("ix_tasks_workspace_id_status", "workspace_id", "status"),
    sort_index("tasks", "number"),
    sort_index("tasks", "title_lower", "lower(title)"),
    sort_index("tasks", "status_rank", rank("status", TASK_STATUSES)),
    sort_index("tasks", "priority_rank", rank("priority", TASK_PRIORITIES)),
    sort_index("tasks", "due_date"),
    sort_index("tasks", "created_at"),
    sort_index("tasks", "updated_at"),
    CheckConstraint(f"status IN {TASK_STATUSES!r}", name="status"),
    CheckConstraint(f"priority IN {TASK_PRIORITIES!r}", name="priority"),
    CheckConstraint("estimate_hours IS NULL OR estimate_hours >= 0", name="estimate"),
    CheckConstraint(
        "depends_on_task_id IS NULL OR depends_on_task_id <> id", name="no_self_dependency"
    ),
    CheckConstraint(business_date_range("due_date"), name="due_date_range"),
)
