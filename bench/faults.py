"""`python -m bench.faults [--outage 5] [--kills 20] …`: PostgreSQL stopped and connections
killed under the soak's load (`bench/soak.py`); the service must fail fast and recover.

1. Load for `--before` seconds; stop the embedded PostgreSQL (`pg_ctl stop -m fast`) for
   `--outage` seconds, then start it again. Requests meanwhile must answer 503
   `database_unavailable` within the acquire timeout (`db_acquire_timeout_seconds`) plus a
   second; `/readyz` must answer 503. Once it is back, the service must serve again
   without a restart.
2. Then terminate `--kills` of the server's busy backends (`pg_terminate_backend`), one
   every 0.2 s, while it writes: no invoice may lack a line or disagree with its lines'
   total, no project's task counter may disagree with its tasks.
3. At the end, every write answered 2xx must be stored. Exit status 1 on any lost or
   half-written write, any request slower than the bound, or no recovery.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from atlas.config import Settings
from atlas.db.bootstrap import drop_database
from atlas.db.embedded import EmbeddedPostgres
from bench.run import APP_ROLE, Database, _pin, create_database, postgres_server, serving
from bench.soak import LINES_PER_INVOICE, Outcome, Soak, parse, seeded_soak

ACQUIRE_TIMEOUT = float(Settings.model_fields["db_acquire_timeout_seconds"].default)
SLOWEST_ALLOWED = ACQUIRE_TIMEOUT + 1.0  # the server's own bound plus scheduling slack

HALF_WRITTEN_INVOICES = f"""
SELECT count(*) FROM invoices i
 CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(l.total), 0) AS total
                       FROM invoice_lines l
                      WHERE l.workspace_id = i.workspace_id AND l.invoice_id = i.id) lines
 WHERE i.notes LIKE 'soak-%' AND (lines.n <> {LINES_PER_INVOICE} OR lines.total <> i.total)
"""
HALF_WRITTEN_PROJECTS = """
SELECT count(*) FROM projects p
 CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(max(t.number), 0) AS top
                       FROM tasks t
                      WHERE t.workspace_id = p.workspace_id AND t.project_id = p.id) tasks
 WHERE p.last_task_number <> tasks.n OR tasks.top <> tasks.n
"""
BUSY_BACKEND = f"""
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = current_database() AND usename = '{APP_ROLE}'
   AND state IN ('active', 'idle in transaction')
 ORDER BY random() LIMIT 1
"""


@dataclass
class Timeline:
    """When PostgreSQL went down and came back, and what was seen meanwhile."""

    stop_begun: float = 0.0
    start_done: float = 0.0
    readyz_during: list[int] = field(default_factory=list)
    ready_again: float | None = None
    kills: int = 0

    def during_outage(self, outcomes: list[Outcome]) -> list[Outcome]:
        return [o for o in outcomes if self.stop_begun <= o.started < self.start_done]

    def first_success_after(self, outcomes: list[Outcome]) -> float | None:
        done = [
            o.started + o.latency
            for o in outcomes
            if o.started >= self.start_done and 200 <= o.status < 300
        ]
        return min(done) - self.start_done if done else None


async def _readyz(base: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            status = (await http.get("/readyz")).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.monotonic() - started


async def faults(
    soak: Soak, embedded: EmbeddedPostgres, db: Database, args: Any, timeline: Timeline
) -> None:
    """The fault script, run while the soak's clients load the server."""
    await asyncio.sleep(args.before)
    timeline.stop_begun = time.monotonic()
    await asyncio.to_thread(embedded.stop)
    outage_ends = time.monotonic() + args.outage
    while time.monotonic() < outage_ends:
        status, _ = await _readyz(soak.base)
        timeline.readyz_during.append(status)
        await asyncio.sleep(0.5)
    await asyncio.to_thread(embedded.start)
    timeline.start_done = time.monotonic()
    while timeline.ready_again is None and time.monotonic() < timeline.start_done + 60:
        status, _ = await _readyz(soak.base)
        if status == 200:
            timeline.ready_again = time.monotonic() - timeline.start_done
        else:
            await asyncio.sleep(0.1)
    await asyncio.sleep(args.after / 2)
    conn = await asyncpg.connect(db.superuser_db)
    try:
        for _ in range(args.kills):
            timeline.kills += len(await conn.fetch(BUSY_BACKEND))
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    await asyncio.sleep(args.after / 2)


async def half_written(db: Database) -> dict[str, int]:
    conn = await asyncpg.connect(db.superuser_db)  # no row-level security: every workspace
    try:
        return {
            "invoices": int(await conn.fetchval(HALF_WRITTEN_INVOICES)),
            "projects": int(await conn.fetchval(HALF_WRITTEN_PROJECTS)),
        }
    finally:
        await conn.close()


def main() -> None:
    parser = parse("python -m bench.faults", __doc__, 10, 8)
    parser.add_argument("--before", type=float, default=3.0, help="load before the outage")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL is down")
    parser.add_argument("--after", type=float, default=6.0, help="load after it is back")
    parser.add_argument("--kills", type=int, default=20, help="backends to terminate")
    args = parser.parse_args()
    superuser, embedded = postgres_server()
    if embedded is None:
        sys.exit("bench.faults stops PostgreSQL: unset ATLAS_BENCH_DATABASE_URL")
    db: Database | None = None
    timeline = Timeline()
    try:
        db = create_database(superuser, "faults")
        with serving(db) as server:
            _pin(0, 1)
            soak = asyncio.run(seeded_soak(db, server.base, args.workspaces, args.timeout))
            run = soak.run(args.clients, 3600, lambda: faults(soak, embedded, db, args, timeline))
            asyncio.run(run)
        lost = asyncio.run(soak.lost_writes(db))
        broken = asyncio.run(half_written(db))
    finally:
        if db is not None and embedded.is_running():
            asyncio.run(drop_database(superuser, db.name))
        embedded.stop()
    report(soak, timeline, lost, broken, args)


def report(
    soak: Soak, timeline: Timeline, lost: dict[str, int], broken: dict[str, int], args: Any
) -> None:
    outcomes = soak.tally.outcomes
    outage = timeline.during_outage(outcomes)
    slowest = max((o.latency for o in outage), default=0.0)
    too_slow = sum(o.latency > SLOWEST_ALLOWED for o in outcomes)
    recovered = timeline.first_success_after(outcomes)
    print(f"faults: {args.workspaces} workspaces, {args.clients} clients")
    print(
        f"  requests in all        {len(outcomes):,} {dict(sorted(soak.tally.statuses().items()))}"
    )
    print(
        f"  outage                 {timeline.start_done - timeline.stop_begun:.1f} s"
        f" (stop {args.outage:g} s + pg_ctl stop/start)"
    )
    during = dict(sorted(soak.tally.statuses(outage).items()))
    print(f"  requests during outage {len(outage):,} {during}")
    print(f"  max latency in outage  {slowest * 1000:.0f} ms (bound {SLOWEST_ALLOWED:g} s)")
    print(f"  requests over bound    {too_slow} (must be 0)")
    print(f"  /readyz during outage  {sorted(set(timeline.readyz_during))}")
    ready = "never" if timeline.ready_again is None else f"{timeline.ready_again:.2f} s"
    first = "never" if recovered is None else f"{recovered:.2f} s"
    print(f"  recovery after start   /readyz 200 in {ready}, first 2xx of the load in {first}")
    print(f"  backends terminated    {timeline.kills}")
    print(f"  half-written           {sum(broken.values())} (must be 0) {broken}")
    print(f"  lost writes            {sum(lost.values())} (must be 0) {lost}")
    failed = sum(lost.values()) or sum(broken.values()) or too_slow or recovered is None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
