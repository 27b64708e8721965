"""Foreign keys that hold workspace_id act only as NO ACTION (or CASCADE on delete).

Citus, which distributes the tenant tables by workspace_id, refuses a foreign key that
holds the distribution column and sets it NULL or to its default on delete (even
PostgreSQL 15's `SET NULL (column)`), or acts at all on update. Each such key is dropped
and created again, same name and columns, without its action; the service that deletes
or renames the referenced row now updates the referencing rows first, in the same
transaction and workspace (docs/modules.md):

- deleting a department clears its employees' department;
- deleting an employee clears the manager of their reports and of their departments;
- removing a member (or leaving) clears their tasks' assignee and their employee record's
  user;
- deleting a task clears the tasks that depend on it and the time entries logged on it;
- renaming a custom role renames it on its members and invitations in the same statement
  (the key (workspace_id, custom_role_id, role) is checked at the statement's end).

Invitations still go with their custom role on delete (CASCADE is distributable).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import NamedTuple

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


class Reference(NamedTuple):
    table: str
    columns: list[str]
    referred: str
    referred_columns: list[str]
    old_on_delete: str | None = None
    old_on_update: str | None = None
    on_delete: str | None = None  # kept, as Citus allows it


def _cleared(
    table: str, columns: list[str], referred: str, referred_columns: list[str]
) -> Reference:
    """A key whose last column (the one nullable) the database used to clear on delete."""
    return Reference(table, columns, referred, referred_columns, f"SET NULL ({columns[-1]})")


ROW = ["workspace_id", "id"]
MEMBER = ["workspace_id", "user_id"]
TASK = ["workspace_id", "project_id", "id"]
ROLE_KEY = ["workspace_id", "custom_role_id", "role"]
ROLE = ["workspace_id", "id", "name"]

REFERENCES = {
    "fk_departments_workspace_id_manager_employee_id_employees": _cleared(
        "departments", ["workspace_id", "manager_employee_id"], "employees", ROW
    ),
    "fk_employees_workspace_id_department_id_departments": _cleared(
        "employees", ["workspace_id", "department_id"], "departments", ROW
    ),
    "fk_employees_workspace_id_manager_id_employees": _cleared(
        "employees", ["workspace_id", "manager_id"], "employees", ROW
    ),
    "fk_employees_workspace_id_user_id_workspace_members": _cleared(
        "employees", ["workspace_id", "user_id"], "workspace_members", MEMBER
    ),
    "fk_tasks_workspace_id_assignee_user_id_workspace_members": _cleared(
        "tasks", ["workspace_id", "assignee_user_id"], "workspace_members", MEMBER
    ),
    "fk_tasks_workspace_id_project_id_depends_on_task_id_tasks": _cleared(
        "tasks", ["workspace_id", "project_id", "depends_on_task_id"], "tasks", TASK
    ),
    "fk_time_entries_workspace_id_project_id_task_id_tasks": _cleared(
        "time_entries", ["workspace_id", "project_id", "task_id"], "tasks", TASK
    ),
    "fk_workspace_members_custom_role": Reference(
        "workspace_members", ROLE_KEY, "workspace_roles", ROLE, old_on_update="CASCADE"
    ),
    "fk_invitations_custom_role": Reference(
        "invitations",
        ROLE_KEY,
        "workspace_roles",
        ROLE,
        old_on_delete="CASCADE",
        old_on_update="CASCADE",
        on_delete="CASCADE",
    ),
}


def _recreate(name: str, ref: Reference, on_delete: str | None, on_update: str | None) -> None:
    op.drop_constraint(op.f(name), ref.table, type_="foreignkey")
    op.create_foreign_key(
        op.f(name),
        ref.table,
        ref.referred,
        ref.columns,
        ref.referred_columns,
        ondelete=on_delete,
        onupdate=on_update,
    )


def upgrade(app_role: str) -> None:
    for name, ref in REFERENCES.items():
        _recreate(name, ref, ref.on_delete, None)


def downgrade(app_role: str) -> None:
    for name, ref in REFERENCES.items():
        _recreate(name, ref, ref.old_on_delete, ref.old_on_update)
