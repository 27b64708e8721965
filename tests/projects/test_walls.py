"""The database's own walls around projects and tasks, met with raw SQL as the app role.

Even with a tenant context set, the app role can neither point a task at another
workspace's project (composite foreign keys) nor write a row into another workspace (RLS).
"""

from __future__ import annotations

from typing import Any, get_args

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.projects import schemas
from atlas.projects.service import CONSTRAINT_ERRORS
from atlas.projects.tables import PROJECT_STATUSES, TASK_PRIORITIES, TASK_STATUSES
from tests.projects.helpers import Tenant
from tests.sql import Sql

INSERT_TASK = """INSERT INTO tasks (workspace_id, id, project_id, number, title)
                 VALUES (%s, %s, %s, 99, 'smuggled')"""


def _count_tasks(sql: Sql, ws: dict[str, Any]) -> int:
    rows = sql.owner("SELECT count(*) AS n FROM tasks", workspace=ws["id"])
    return int(rows[0]["n"])


def test_a_task_cannot_point_at_another_workspaces_project(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before_a, before_b = _count_tasks(sql, tenant_a.ws), _count_tasks(sql, tenant_b.ws)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            INSERT_TASK,
            tenant_a.ws["id"],
            uuid7(),
            tenant_b.project["id"],
            workspace=tenant_a.ws["id"],
        )
    assert (_count_tasks(sql, tenant_a.ws), _count_tasks(sql, tenant_b.ws)) == (before_a, before_b)


def test_a_task_cannot_be_written_into_another_workspace(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before_b = _count_tasks(sql, tenant_b.ws)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql.app(
            INSERT_TASK,
            tenant_b.ws["id"],
            uuid7(),
            tenant_b.project["id"],
            workspace=tenant_a.ws["id"],
        )
    assert _count_tasks(sql, tenant_b.ws) == before_b


def test_a_dependency_cannot_cross_workspaces_or_projects(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "UPDATE tasks SET depends_on_task_id = %s WHERE id = %s",
            tenant_b.task["id"],
            tenant_a.task["id"],
            workspace=tenant_a.ws["id"],
        )


def test_the_app_role_sees_only_the_current_workspace(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    seen = sql.app("SELECT id, workspace_id FROM tasks", workspace=tenant_a.ws["id"])
    assert {r["workspace_id"] for r in seen} == {tenant_a.ws["id"]}
    assert str(tenant_a.task["id"]) in {str(r["id"]) for r in seen}
    assert sql.app("SELECT id FROM projects WHERE id = %s", tenant_b.project["id"]) == []
    moved = sql.app(
        "UPDATE projects SET name = 'taken over' WHERE id = %s RETURNING id",
        tenant_b.project["id"],
        workspace=tenant_a.ws["id"],
    )
    assert moved == []


def test_every_mapped_constraint_exists(sql: Sql) -> None:
    """The service maps violations by constraint name; a renamed constraint must fail here."""
    rows = sql.owner(
        "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)", list(CONSTRAINT_ERRORS)
    )
    assert sorted(r["conname"] for r in rows) == sorted(CONSTRAINT_ERRORS)


def test_api_choices_match_the_tables() -> None:
    assert get_args(schemas.ProjectStatus) == PROJECT_STATUSES
    assert get_args(schemas.TaskStatus) == TASK_STATUSES
    assert get_args(schemas.TaskPriority) == TASK_PRIORITIES
