"""The database wall on its own: raw SQL as the app role, with no help from the API."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.schema import tenant_tables
from tests.citus import refused_move
from tests.factories import Factory
from tests.sql import Sql

pytestmark = pytest.mark.pg_matrix


def _project(sql: Sql, ws: dict[str, Any], code: str = "ALPHA") -> dict[str, Any]:
    return sql.owner(
        "INSERT INTO projects (workspace_id, id, code, name, currency)"
        " VALUES (%s, %s, %s, %s, 'USD') RETURNING *",
        ws["id"],
        uuid7(),
        code,
        f"Project {code}",
        workspace=ws["id"],
    )[0]


@pytest.fixture
def two_workspaces(factory: Factory) -> tuple[dict[str, Any], dict[str, Any]]:
    a = factory.workspace(factory.user())
    b = factory.workspace(factory.user())
    _project(factory.sql, a)
    _project(factory.sql, b)
    return a, b


@pytest.mark.parametrize("table", [t.name for t in tenant_tables()])
def test_without_context_the_app_role_sees_no_rows(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]], table: str
) -> None:
    assert sql.app(f"SELECT count(*) AS n FROM {table}")[0]["n"] == 0


def test_with_context_the_app_role_sees_only_that_workspace(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    a, b = two_workspaces
    rows = sql.app("SELECT DISTINCT workspace_id FROM projects", workspace=a["id"])
    assert [r["workspace_id"] for r in rows] == [a["id"]]
    assert (
        sql.app("SELECT * FROM projects WHERE workspace_id = %s", b["id"], workspace=a["id"]) == []
    )


def test_an_empty_setting_counts_as_no_context(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    # A pooled connection that once had the setting reads '' afterwards, not NULL.
    assert sql.app("SELECT count(*) AS n FROM projects", workspace="")[0]["n"] == 0


def test_without_context_writes_are_refused(sql: Sql) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.app(
            "INSERT INTO projects (workspace_id, id, code, name, currency)"
            " VALUES (%s, %s, 'NOCTX', 'x', 'USD')",
            uuid7(),
            uuid7(),
        )


def test_inserting_a_row_for_another_workspace_fails(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    a, b = two_workspaces
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql.app(
            "INSERT INTO projects (workspace_id, id, code, name, currency)"
            " VALUES (%s, %s, 'EVIL', 'x', 'USD')",
            b["id"],
            uuid7(),
            workspace=a["id"],
        )


def test_workspace_id_cannot_be_moved_to_another_workspace(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    a, b = two_workspaces
    # The app role may not write the column at all (see tests/kernel/test_rls_no_moves.py).
    with refused_move():
        sql.app("UPDATE projects SET workspace_id = %s", b["id"], workspace=a["id"])
    assert sql.owner("SELECT count(*) AS n FROM projects", workspace=a["id"])[0]["n"] == 1


def test_other_workspaces_rows_cannot_be_updated_or_deleted(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    a, b = two_workspaces
    sql.app(
        "UPDATE projects SET name = 'hacked' WHERE workspace_id = %s", b["id"], workspace=a["id"]
    )
    sql.app("DELETE FROM projects WHERE workspace_id = %s", b["id"], workspace=a["id"])
    rows = sql.owner("SELECT name FROM projects", workspace=b["id"])
    assert [r["name"] for r in rows] == ["Project ALPHA"]


def test_a_foreign_key_to_another_workspaces_row_fails(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    a, b = two_workspaces
    b_project = sql.owner("SELECT id FROM projects", workspace=b["id"])[0]["id"]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "INSERT INTO tasks (workspace_id, id, project_id, number, title)"
            " VALUES (%s, %s, %s, 1, 'cross-tenant')",
            a["id"],
            uuid7(),
            b_project,
            workspace=a["id"],
        )


def test_the_owner_role_is_held_by_the_policy_too(
    sql: Sql, two_workspaces: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    # FORCE ROW LEVEL SECURITY: even the table owner sees nothing without a context.
    assert sql.owner("SELECT count(*) AS n FROM projects")[0]["n"] == 0


def test_members_policy_shows_a_user_their_own_memberships_only(factory: Factory) -> None:
    user = factory.user()
    mine = factory.workspace(user)
    factory.workspace(factory.user())
    rows = factory.sql.app("SELECT workspace_id FROM workspace_members", user=user.id)
    assert [r["workspace_id"] for r in rows] == [mine["id"]]
