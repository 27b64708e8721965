"""The suite on a Citus cluster: ATLAS_TEST_CITUS_URL names a superuser URL of the
coordinator, in a database where the cluster's nodes are registered (docs/scaling.md,
"Running the tests on a cluster"). Each test database is then made on every node, with
the extension and the roles, and the workers are registered in it; `atlas.db.migrate`
distributes its tables as `atlas-erp db upgrade` does.

Nodes are reached with the coordinator URL's user and password at each node's own host
and port. Nothing here installs Citus: the cluster is the caller's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import psycopg
import pytest
from sqlalchemy.engine import make_url

from atlas.db.bootstrap import drop_database, ensure_roles_and_database, url_for_database

CITUS_URL_VARIABLE = "ATLAS_TEST_CITUS_URL"


def citus_url() -> str | None:
    return os.environ.get(CITUS_URL_VARIABLE) or None


def on_citus() -> bool:
    return citus_url() is not None


# A test about plain PostgreSQL's own mechanics (the embedded server, a single node's
# catalogue or planner), marked with the reason it does not apply to a cluster.
def plain_postgresql_only(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(on_citus(), reason=f"plain PostgreSQL only: {reason}")


def _node_url(coordinator: str, host: str, port: int, database: str) -> str:
    url = make_url(coordinator).set(host=host, port=port, database=database)
    return url.render_as_string(hide_password=False)


async def _workers(coordinator: str) -> list[tuple[str, int]]:
    conn = await asyncpg.connect(coordinator)
    try:
        rows = await conn.fetch(
            """SELECT nodename, nodeport FROM pg_dist_node
                WHERE groupid <> 0 AND noderole = 'primary' AND isactive ORDER BY nodeid"""
        )
    finally:
        await conn.close()
    if not rows:
        raise RuntimeError(f"{CITUS_URL_VARIABLE}: no worker is registered at {coordinator}")
    return [(row["nodename"], row["nodeport"]) for row in rows]


async def _create(coordinator: str, database: str, owner_role: str, app_role: str) -> None:
    here = make_url(coordinator)
    nodes = [(here.host or "127.0.0.1", here.port or 5432), *await _workers(coordinator)]
    for host, port in nodes:
        node = _node_url(coordinator, host, port, "postgres")
        await ensure_roles_and_database(
            node, database=database, owner_role=owner_role, app_role=app_role
        )
        conn = await asyncpg.connect(url_for_database(node, database))
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
        finally:
            await conn.close()
    conn = await asyncpg.connect(url_for_database(coordinator, database))
    try:
        await conn.execute("SELECT citus_set_coordinator_host($1, $2)", nodes[0][0], nodes[0][1])
        for host, port in nodes[1:]:
            await conn.execute("SELECT citus_add_node($1, $2)", host, port)
    finally:
        await conn.close()


async def _drop(coordinator: str, database: str) -> None:
    here = make_url(coordinator)
    nodes = [(here.host or "127.0.0.1", here.port or 5432), *await _workers(coordinator)]
    for host, port in nodes:
        await drop_database(_node_url(coordinator, host, port, "postgres"), database)


@contextmanager
def cluster_database(
    coordinator: str, database: str, *, owner_role: str, app_role: str
) -> Iterator[str]:
    """A database of that name on every node, dropped on every node afterwards; yields
    the coordinator's superuser URL of it."""
    asyncio.run(_create(coordinator, database, owner_role, app_role))
    try:
        yield url_for_database(coordinator, database)
    finally:
        asyncio.run(_drop(coordinator, database))


def refused_move() -> pytest.RaisesExc[psycopg.Error]:
    """The refusal of `UPDATE … SET workspace_id`: the app role's column grant on plain
    PostgreSQL; on Citus the coordinator refuses first, as it refuses any change of a
    distribution column (the grant holds there too, as the grant test shows)."""
    if on_citus():
        return pytest.raises(
            psycopg.errors.FeatureNotSupported, match="modifying the partition value"
        )
    return pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied")
