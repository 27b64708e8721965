"""The database side of the projects list, one statement at a time on one connection.

The bench's per-request PostgreSQL CPU comes from the server's process times under load;
this splits it by step: a connection of the app role runs each sequence many times in a
row, and the backend's own CPU is divided by the repetitions. The
steps are the round trip itself (`SELECT 1`), the bare list query on the un-policied
copies, `BEGIN` + `COMMIT`, the guard's call in a transaction, and the shipped sequence
(`BEGIN`, the guard, the policied list, `COMMIT`). The backend's CPU is read from Linux's
`/proc/PID/schedstat` (nanoseconds on a CPU), finer than the process times' clock ticks.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from atlas.db.pool import CONTEXT_PROPAGATION
from atlas.pagination import PageRequest
from atlas.projects.repository import ProjectsRepository
from atlas.tenancy.guard import REQUEST_CONTEXT_SQL
from bench.app import UnpoliciedConnection

Step = Callable[[], Awaitable[Any]]
STEPS = ("round trip", "bare query", "BEGIN + COMMIT", "guard in a transaction", "shipped")


async def _costs(url: str, workspace_id: uuid.UUID, token: str, repeat: int, rounds: int) -> Any:
    conn = await asyncpg.connect(url, server_settings=CONTEXT_PROPAGATION)
    try:
        schedstat = Path(f"/proc/{await conn.fetchval('SELECT pg_backend_pid()')}/schedstat")

        def backend_cpu() -> float:
            return int(schedstat.read_text().split()[0]) / 1e9

        page = PageRequest(limit=20, offset=0)
        shipped = ProjectsRepository(conn, workspace_id)
        bare = ProjectsRepository(UnpoliciedConnection(conn), workspace_id)  # type: ignore[arg-type]
        guard_args = (hashlib.sha256(token.encode()).digest(), None, str(workspace_id))

        async def guard() -> None:
            row = await conn.fetchrow(
                REQUEST_CONTEXT_SQL, *guard_args, 86400, 60, "bench", None, None
            )
            assert row is not None
            assert row["member_role"] is not None

        async def in_transaction(*steps: Step) -> None:
            await conn.execute("BEGIN")
            for step in steps:
                await step()
            await conn.execute("COMMIT")

        async def list_page(repo: ProjectsRepository) -> None:
            rows, _ = await repo.list(statuses=[], q=None, sort=None, page=page)
            assert len(rows) == page.limit

        sequences: dict[str, Step] = {
            "round trip": lambda: conn.fetchval("SELECT 1"),
            "bare query": lambda: list_page(bare),
            "BEGIN + COMMIT": in_transaction,
            "guard in a transaction": lambda: in_transaction(guard),
            "shipped": lambda: in_transaction(guard, lambda: list_page(shipped)),
        }
        samples: dict[str, list[float]] = {name: [] for name in sequences}
        for sequence in sequences.values():  # warm plans and caches
            for _ in range(max(repeat // 10, 10)):
                await sequence()
        for _ in range(rounds):
            for name, sequence in sequences.items():
                before = backend_cpu()
                for _ in range(repeat):
                    await sequence()
                samples[name].append((backend_cpu() - before) / repeat * 1e6)
        return {name: statistics.median(values) for name, values in samples.items()}
    finally:
        await conn.close()


def statement_costs(
    app_url: str, workspace_id: uuid.UUID, token: str, *, repeat: int, rounds: int
) -> dict[str, float]:
    """Backend CPU in µs per run of each step (median over `rounds` of `repeat` runs)."""
    costs: dict[str, float] = asyncio.run(_costs(app_url, workspace_id, token, repeat, rounds))
    return costs


def report_lines(costs: dict[str, float]) -> list[str]:
    trip, bare, begin_commit = costs["round trip"], costs["bare query"], costs["BEGIN + COMMIT"]
    guard = costs["guard in a transaction"] - begin_commit
    shipped = costs["shipped"]
    policy = shipped - costs["guard in a transaction"] - bare
    floor = bare + begin_commit + trip
    return [
        "One connection of the app role running each sequence alone, back to back (no load,"
        " no app): the backend's own CPU per run (`bench/statements.py`).",
        "",
        "| step | backend µs per run |",
        "|---|---|",
        f"| a round trip (`SELECT 1`) | {trip:,.0f} |",
        f"| the bare list query (un-policied copies, no transaction) | {bare:,.0f} |",
        f"| `BEGIN` + `COMMIT` | {begin_commit:,.0f} |",
        f"| the guard's call (its transaction taken off) | {guard:,.0f} |",
        f"| row-level security on the list (shipped − guard − bare) | {policy:,.0f} |",
        f"| shipped: `BEGIN`, the guard, the policied list, `COMMIT` | {shipped:,.0f} |",
        "",
        f"Shipped ÷ bare here: **{shipped / bare:.2f}×**. The shipped request makes four round"
        " trips where the bare query makes one; asyncpg sends each statement on its own and"
        " waits for its answer. A guard that did nothing but answer would still cost the"
        f" transaction and its round trip: {floor:,.0f} µs, {floor / bare:.2f}× the bare"
        f" query, which leaves {max(1.5 * bare - floor, 0):,.0f} µs under the 1.5× target for"
        " the guard's look-ups (session with user, workspace, membership) and the policy.",
    ]
