"""Who filed a leave request, and every user an employee record was ever linked to.

- `leave_requests.requested_by_user_id`: the user who filed the request (a user, like
  `decided_by_user_id`, so that leaving and re-joining the workspace does not erase it).
  Requests filed before this migration keep NULL: who filed them was never recorded.
- `employee_user_links`: one row per (employee, user) ever linked, filled here from the
  current links. The app role may only SELECT and INSERT: unlinking a record leaves its
  history, so nobody decides the leave of a record they were linked to.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from atlas.db.rls import tenant_policy_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade(app_role: str) -> None:
    op.add_column("leave_requests", sa.Column("requested_by_user_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_leave_requests_requested_by_user_id_users"),
        "leave_requests",
        "users",
        ["requested_by_user_id"],
        ["id"],
        ondelete="SET NULL",
    )

    op.create_table(
        "employee_user_links",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "linked_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_employee_user_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "employee_id"],
            ["employees.workspace_id", "employees.id"],
            name=op.f("fk_employee_user_links_workspace_id_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_employee_user_links_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_employee_user_links")),
        sa.UniqueConstraint(
            "workspace_id",
            "employee_id",
            "user_id",
            name=op.f("uq_employee_user_links_workspace_id_employee_id_user_id"),
        ),
        info={"tenant": True},
    )
    # The owner is subject to the forced policy too: lift it for the copy of today's links,
    # inside this migration's transaction.
    op.execute("ALTER TABLE employees NO FORCE ROW LEVEL SECURITY")
    op.execute(
        """INSERT INTO employee_user_links (workspace_id, id, employee_id, user_id, linked_at)
           SELECT workspace_id, gen_random_uuid(), id, user_id, created_at
             FROM employees WHERE user_id IS NOT NULL"""
    )
    op.execute("ALTER TABLE employees FORCE ROW LEVEL SECURITY")
    for statement in tenant_policy_sql("employee_user_links"):
        op.execute(statement)
    # A history: the app adds to it, never changes or removes it.
    op.execute(f'GRANT SELECT, INSERT ON employee_user_links TO "{app_role}"')


def downgrade(app_role: str) -> None:
    op.execute(f'REVOKE ALL ON employee_user_links FROM "{app_role}"')
    op.drop_table("employee_user_links")
    op.drop_constraint(
        op.f("fk_leave_requests_requested_by_user_id_users"), "leave_requests", type_="foreignkey"
    )
    op.drop_column("leave_requests", "requested_by_user_id")
