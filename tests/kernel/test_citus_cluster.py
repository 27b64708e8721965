"""On a Citus cluster (ATLAS_TEST_CITUS_URL): the tables are distributed as
`atlas-erp db upgrade` promises, two workspaces' rows live on different workers, and
row-level security holds on the worker itself, for the app role connected there
directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from sqlalchemy.engine import make_url

from atlas.config import Settings
from atlas.schema import global_tables, tenant_tables
from tests.citus import on_citus
from tests.factories import Factory
from tests.sql import PROPAGATION_OPTIONS, Sql, set_context

pytestmark = pytest.mark.skipif(not on_citus(), reason="needs a Citus cluster")

ANCHOR = "audit_events"  # the first tenant table by name: the others co-locate with it


def test_every_tenant_table_is_distributed_by_workspace_id_and_co_located(sql: Sql) -> None:
    rows = sql.owner(
        """SELECT logicalrelid::regclass::text AS name, partmethod,
                  column_to_column_name(logicalrelid, partkey) AS column, colocationid
             FROM pg_dist_partition"""
    )
    tables = {row["name"]: row for row in rows}
    tenant = sorted(t.name for t in tenant_tables())
    assert {name: tables[name]["partmethod"] for name in tenant} == dict.fromkeys(tenant, "h")
    assert {tables[name]["column"] for name in tenant} == {"workspace_id"}
    assert {tables[name]["colocationid"] for name in tenant} == {tables[ANCHOR]["colocationid"]}
    reference = sorted(t.name for t in global_tables())
    assert {name: tables[name]["partmethod"] for name in reference} == dict.fromkeys(reference, "n")
    assert "alembic_version" not in tables


def _worker_of(sql: Sql, workspace_id: str) -> tuple[str, int, int]:
    row = sql.owner(
        """SELECT p.nodename, p.nodeport, p.shardid
             FROM pg_dist_placement pl
             JOIN pg_dist_node n ON n.groupid = pl.groupid
             JOIN LATERAL (SELECT n.nodename, n.nodeport, pl.shardid) p ON true
            WHERE pl.shardid = get_shard_id_for_distribution_column('projects', %s::uuid)""",
        workspace_id,
    )[0]
    return row["nodename"], row["nodeport"], row["shardid"]


@pytest.fixture
def two_workers(factory: Factory) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two workspaces, each with a project, whose shards are on different workers."""
    owner = factory.user()
    first = factory.workspace(owner)
    for _ in range(40):
        second = factory.workspace(owner)
        if (
            _worker_of(factory.sql, str(second["id"]))[:2]
            != _worker_of(factory.sql, str(first["id"]))[:2]
        ):
            break
    else:
        pytest.fail("40 workspaces in a row landed on the first one's worker")
    for ws in (first, second):
        response = owner.post(
            "/api/v1/projects",
            json={"code": "SHARD", "name": "On its worker"},
            headers={"X-Workspace-Id": str(ws["id"])},
        )
        assert response.status_code == 201, response.text
    return {**first, "id": str(first["id"])}, {**second, "id": str(second["id"])}


@pytest.fixture
def on_worker(database: Settings) -> Iterator[Any]:
    """Connects as the app role straight to a worker's copy of the test database."""
    opened: list[psycopg.Connection[dict[str, Any]]] = []

    def connect(host: str, port: int) -> psycopg.Connection[dict[str, Any]]:
        url = make_url(database.runtime_url()).set(drivername="postgresql", host=host, port=port)
        conn = psycopg.connect(
            url.render_as_string(hide_password=False),
            row_factory=dict_row,
            options=PROPAGATION_OPTIONS,
        )
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


def _run(
    conn: psycopg.Connection[dict[str, Any]], statement: str, *params: Any, **context: Any
) -> tuple[list[dict[str, Any]], int]:
    """One statement in its own transaction with the given settings: (rows, rowcount)."""
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, **context)
        cur.execute(statement, params)  # type: ignore[arg-type]
        return (cur.fetchall() if cur.description else []), cur.rowcount


def _shard_rows(
    conn: psycopg.Connection[dict[str, Any]], shard: int, **context: Any
) -> list[dict[str, Any]]:
    return _run(conn, f"SELECT workspace_id::text, code FROM projects_{shard}", **context)[0]


def test_two_workspaces_live_on_different_workers_and_each_worker_enforces_rls(
    sql: Sql, two_workers: tuple[dict[str, Any], dict[str, Any]], on_worker: Any
) -> None:
    first, second = two_workers
    host, port, shard = _worker_of(sql, first["id"])
    other_host, other_port, other_shard = _worker_of(sql, second["id"])
    assert (host, port) != (other_host, other_port)

    worker = on_worker(host, port)
    own = _shard_rows(worker, shard, workspace_id=first["id"])
    assert own == [{"workspace_id": first["id"], "code": "SHARD"}]
    # No tenant context: the shard shows nothing, not even with a filter on the key.
    assert _shard_rows(worker, shard) == []
    # Another workspace's context: nothing of the first one.
    assert _shard_rows(worker, shard, workspace_id=second["id"]) == []
    assert _shard_rows(worker, shard, workspace_id=str(uuid.uuid4())) == []
    # The second workspace's shard is on the other worker, not here.
    # (Citus hides shards from pg_class; to_regclass finds a shard that is here.)
    here = "SELECT to_regclass(%s) IS NOT NULL AS here"
    assert _run(worker, here, f"projects_{shard}")[0] == [{"here": True}]
    assert _run(worker, here, f"projects_{other_shard}")[0] == [{"here": False}]

    other = on_worker(other_host, other_port)
    assert _shard_rows(other, other_shard, workspace_id=second["id"]) == [
        {"workspace_id": second["id"], "code": "SHARD"}
    ]
    assert _shard_rows(other, other_shard, workspace_id=first["id"]) == []


def test_the_app_role_cannot_write_another_workspaces_row_on_a_worker(
    sql: Sql, two_workers: tuple[dict[str, Any], dict[str, Any]], on_worker: Any
) -> None:
    first, second = two_workers
    host, port, shard = _worker_of(sql, first["id"])
    worker = on_worker(host, port)
    smuggle = (
        f"INSERT INTO projects_{shard} (workspace_id, id, code, name, currency)"
        " VALUES (%s, %s, 'SMUGGLED', 'x', 'USD')"
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _run(worker, smuggle, first["id"], uuid.uuid4(), workspace_id=second["id"])
    update = f"UPDATE projects_{shard} SET name = 'taken'"
    assert _run(worker, update, workspace_id=second["id"]) == ([], 0)
    assert _run(worker, update) == ([], 0)
    names = sql.owner("SELECT name FROM projects", workspace=first["id"])
    assert [row["name"] for row in names] == ["On its worker"]
