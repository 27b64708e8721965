"""`python -m bench.search [--rows 5000] [--others 20000] [--runs 20] [--leakproof]`: the
global search's statements for customers and tasks, as the app role, in a workspace of
`rows` of each beside one of `others`, the query `acm` matching one row of each.

For each kind: the plan (EXPLAIN ANALYZE of the repository's own statement) and the median
of `runs` timed calls of the repository's `search` in a request's transaction.
`--leakproof` runs them again once a superuser has declared `ts_match_vq` LEAKPROOF in the
bench's database (dropped afterwards; docs/adr/0010). The data goes in as the superuser
with triggers off (no audit trail for it). PostgreSQL is ATLAS_BENCH_DATABASE_URL's, or
the embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from atlas.db.bootstrap import drop_database
from atlas.db.pool import CONTEXT_PROPAGATION
from atlas.db.rls import enter_workspace
from atlas.db.textsearch import prefix_query
from atlas.finance.repository import CustomersRepository
from atlas.projects.repository import TasksRepository
from bench.run import APP_ROLE, Database, create_database, postgres_server

QUERY = "acm"
LIMIT = 6  # what the search asks for a group of five: one more says "more"

# One workspace's rows, made by the server: customers "Customer 00001"… with an address,
# and tasks "Task 00001"… of one project; the one match of each kind is row 1.
FILL = [
    "INSERT INTO workspaces (id, name, slug) VALUES ($1, $2, $2)",
    """INSERT INTO customers (workspace_id, id, name, email, currency)
       SELECT $1, gen_random_uuid(),
              CASE n WHEN 1 THEN 'Acme Corp' ELSE 'Customer ' || lpad(n::text, 5, '0') END,
              'billing' || n || '@example.com', 'EUR'
         FROM generate_series(1, $2::int) n""",
    """INSERT INTO projects (workspace_id, id, code, name, currency, last_task_number)
       VALUES ($1, $3, 'WEB', 'Website', 'EUR', $2)""",
    """INSERT INTO tasks (workspace_id, id, project_id, number, title)
       SELECT $1, gen_random_uuid(), $3, n,
              CASE n WHEN 1 THEN 'Acme login page' ELSE 'Task ' || lpad(n::text, 5, '0') END
         FROM generate_series(1, $2::int) n""",
]

Search = Callable[[Any, uuid.UUID], Awaitable[Any]]
KINDS: dict[str, Search] = {
    "customers": lambda db, ws: CustomersRepository(db, ws).search(
        query=prefix_query(QUERY) or "", limit=LIMIT
    ),
    "tasks": lambda db, ws: TasksRepository(db, ws).search(
        query=prefix_query(QUERY) or "", limit=LIMIT
    ),
}


class ExplainingConnection:
    """Runs the repository's statement under EXPLAIN ANALYZE and keeps the plan."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.plan: list[str] = []

    async def fetch(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        rows = await self.conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", *args)
        self.plan = [row[0] for row in rows]
        return []


async def _fill(db: Database, rows: int, others: int) -> uuid.UUID:
    conn = await asyncpg.connect(db.superuser_db)
    try:
        await conn.execute("SET session_replication_role = replica")
        measured = uuid.uuid4()
        for workspace, count in ((measured, rows), (uuid.uuid4(), others)):
            label = f"search-{workspace.hex[:8]}"
            await conn.execute(FILL[0], workspace, label)
            await conn.execute(FILL[1], workspace, count)
            await conn.execute(FILL[2], workspace, count, uuid.uuid4())
            project = await conn.fetchval(
                "SELECT id FROM projects WHERE workspace_id = $1", workspace
            )
            await conn.execute(FILL[3], workspace, count, project)
        await conn.execute("ANALYZE customers, tasks, projects")
        return measured
    finally:
        await conn.close()


async def _measure(db: Database, workspace: uuid.UUID, runs: int) -> dict[str, Any]:
    conn = await asyncpg.connect(db.role_url(APP_ROLE), server_settings=CONTEXT_PROPAGATION)
    try:
        out: dict[str, Any] = {}
        for kind, search in KINDS.items():
            explaining = ExplainingConnection(conn)
            async with conn.transaction():
                await enter_workspace(conn, workspace)
                await search(explaining, workspace)
            timings = []
            for _ in range(runs):
                async with conn.transaction():
                    await enter_workspace(conn, workspace)
                    started = time.perf_counter()
                    found = await search(conn, workspace)
                    timings.append((time.perf_counter() - started) * 1000)
                assert len(found) == 1, found
            out[kind] = {"plan": explaining.plan, "median_ms": statistics.median(timings)}
        return out
    finally:
        await conn.close()


def _print(title: str, results: dict[str, Any]) -> None:
    for kind, result in results.items():
        print(f"\n## {kind}, {title}: median {result['median_ms']:.2f} ms")
        print("\n".join(result["plan"]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--rows", type=int, default=5000, help="rows of each kind measured")
    parser.add_argument("--others", type=int, default=20000, help="rows of the other workspace")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--leakproof", action="store_true", help="also with ts_match_vq LEAKPROOF")
    args = parser.parse_args()
    superuser, embedded = postgres_server()
    db = create_database(superuser, "search")
    try:
        workspace = asyncio.run(_fill(db, args.rows, args.others))
        print(f"{args.rows} rows of each kind in the workspace, {args.others} in another")
        _print("as shipped", asyncio.run(_measure(db, workspace, args.runs)))
        if args.leakproof:
            asyncio.run(
                _as_superuser(db, "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF")
            )
            _print("ts_match_vq LEAKPROOF", asyncio.run(_measure(db, workspace, args.runs)))
    finally:
        asyncio.run(drop_database(superuser, db.name))
        if embedded is not None:
            embedded.stop()


async def _as_superuser(db: Database, statement: str) -> None:
    conn = await asyncpg.connect(db.superuser_db)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
