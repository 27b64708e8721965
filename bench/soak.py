"""`python -m bench.soak [--seconds 60] [--workspaces 50] [--clients 32]`: many workspaces
under concurrent load, every answer checked for leaks and every 2xx write for loss.

Each client is signed in to a workspace of its own and reads lists and details and creates
projects, tasks, customers, invoices and time entries. Every row a read returns must be
provably the caller's: its id is known to belong to that workspace (seeded or created by
that client), or its text carries the workspace's marker (`soak-007-…`); anything else is
a leak. At the end every write that was answered 2xx is looked up by id, as the owner
role, in its workspace. Exit status 1 on any leak or lost write.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from atlas.db.bootstrap import drop_database
from bench.dataset import Tenant, generate
from bench.run import OWNER_ROLE, Database, _pin, create_database, postgres_server, serving

PROJECTS_PER_WORKSPACE = 3
TASKS_PER_PROJECT = 10
LINES_PER_INVOICE = 2
# Where each written kind is stored (checked by id at the end).
TABLES = {
    "project": "projects",
    "task": "tasks",
    "customer": "customers",
    "invoice": "invoices",
    "time_entry": "time_entries",
}


@dataclass
class Outcome:
    """What one client saw: answers, latencies, leaks and the writes answered 2xx."""

    started: float
    latency: float
    status: int  # 0: no answer (connection error or client timeout)


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    writes: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = field(
        default_factory=lambda: {kind: [] for kind in TABLES}
    )

    def statuses(self, outcomes: Iterable[Outcome] | None = None) -> Counter[int]:
        return Counter(o.status for o in (self.outcomes if outcomes is None else outcomes))


@dataclass
class Workspace:
    """One tenant of the soak: its marker, its session and the ids known to be its own."""

    index: int
    tenant: Tenant
    user_id: uuid.UUID | None = None
    projects: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def id(self) -> uuid.UUID:
        return self.tenant.workspace_id

    @property
    def marker(self) -> str:
        return f"soak-{self.index:03d}-"

    def headers(self) -> dict[str, str]:
        assert self.tenant.token is not None
        return {"Authorization": f"Bearer {self.tenant.token}", "X-Workspace-Id": str(self.id)}


class Soak:
    """The shared state of a run: which workspace owns which id, and what was seen."""

    def __init__(self, base: str, workspaces: list[Workspace], timeout: float) -> None:
        self.base = base
        self.workspaces = workspaces
        self.timeout = timeout
        self.owner_of: dict[str, uuid.UUID] = {}
        self.tally = Tally()
        self.stop_at = 0.0

    # --- setup ----------------------------------------------------------------------------

    async def load_seeded_ids(self, db: Database) -> None:
        """The ids the dataset wrote, with their workspace (read as the superuser)."""
        conn = await asyncpg.connect(db.superuser_db)
        try:
            for table in ("projects", "tasks"):
                for row in await conn.fetch(f"SELECT workspace_id, id FROM {table}"):
                    self.owner_of[str(row["id"])] = row["workspace_id"]
        finally:
            await conn.close()
        for ws in self.workspaces:
            ws.projects = [str(p) for p in ws.tenant.project_ids]

    async def prepare(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        """An employee record for the owner (for time entries) and a first customer."""
        me = await http.get("/api/v1/auth/session", headers=ws.headers())
        me.raise_for_status()
        ws.user_id = uuid.UUID(me.json()["user"]["id"])
        employee = {
            "first_name": "Soak",
            "last_name": f"Owner {ws.index}",
            "work_email": f"soak-{ws.index}@bench.example",
            "user_id": str(ws.user_id),
        }
        made = await http.post("/api/v1/employees", json=employee, headers=ws.headers())
        made.raise_for_status()
        self.owner_of[made.json()["id"]] = ws.id
        await self.create_customer(http, ws)

    # --- one request ----------------------------------------------------------------------

    async def call(
        self, http: httpx.AsyncClient, ws: Workspace, method: str, path: str, body: Any = None
    ) -> dict[str, Any] | None:
        """The JSON of a 2xx answer, else None; the outcome is recorded either way."""
        started = time.monotonic()
        try:
            resp = await http.request(
                method, path, json=body, headers=ws.headers(), timeout=self.timeout
            )
            status = resp.status_code
        except httpx.HTTPError:
            status = 0
        self.tally.outcomes.append(Outcome(started, time.monotonic() - started, status))
        if not 200 <= status < 300:
            return None
        data: dict[str, Any] = resp.json()
        return data

    def written(self, ws: Workspace, kind: str, row: dict[str, Any] | None) -> str | None:
        if row is None:
            return None
        self.owner_of[row["id"]] = ws.id
        self.tally.writes[kind].append((ws.id, uuid.UUID(row["id"])))
        return str(row["id"])

    # --- leak checks ----------------------------------------------------------------------

    def check(self, ws: Workspace, what: str, rows: list[dict[str, Any]], text: str) -> None:
        """Every row must be known to be `ws`'s, or carry its marker in `text`."""
        for row in rows:
            owner = self.owner_of.get(str(row["id"]))
            marked = str(row.get(text) or "")
            if owner == ws.id or (owner is None and marked.startswith(ws.marker)):
                continue
            self.tally.leaks.append(
                f"{what}: workspace {ws.index} saw {row['id']} ({marked!r}) of {owner}"
            )

    def check_refs(self, ws: Workspace, what: str, row: dict[str, Any], *keys: str) -> None:
        for key in keys:
            if row.get(key) is not None and self.owner_of.get(str(row[key])) != ws.id:
                self.tally.leaks.append(f"{what}: workspace {ws.index} saw {key} {row[key]}")

    # --- the operations -------------------------------------------------------------------

    async def create_project(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        n = next(ws.counter)
        body = {"code": f"S{ws.index:03d}{n:05d}", "name": f"{ws.marker}project {n}"}
        made = self.written(
            ws, "project", await self.call(http, ws, "POST", "/api/v1/projects", body)
        )
        if made:
            ws.projects.append(made)

    async def create_task(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        project = random.choice(ws.projects)
        body = {"title": f"{ws.marker}task {next(ws.counter)}"}
        row = await self.call(http, ws, "POST", f"/api/v1/projects/{project}/tasks", body)
        self.written(ws, "task", row)

    async def create_customer(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        body = {"name": f"{ws.marker}customer {next(ws.counter)}"}
        made = self.written(
            ws, "customer", await self.call(http, ws, "POST", "/api/v1/customers", body)
        )
        if made:
            ws.customers.append(made)

    async def create_invoice(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        n = next(ws.counter)
        line = {"description": f"{ws.marker}line {n}", "quantity": "3", "unit_price": "12.50"}
        body = {
            "customer_id": random.choice(ws.customers),
            "notes": f"{ws.marker}invoice {n}",
            "lines": [line] * LINES_PER_INVOICE,
        }
        made = self.written(
            ws, "invoice", await self.call(http, ws, "POST", "/api/v1/invoices", body)
        )
        if made:
            ws.invoices.append(made)

    async def create_time_entry(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        n = next(ws.counter)
        body = {
            "project_id": random.choice(ws.projects),
            "entry_date": (date(2020, 1, 1) + timedelta(days=n)).isoformat(),
            "hours": "1.5",
            "description": f"{ws.marker}time {n}",
        }
        self.written(
            ws, "time_entry", await self.call(http, ws, "POST", "/api/v1/time-entries", body)
        )

    async def read_projects(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        page = await self.call(http, ws, "GET", "/api/v1/projects?limit=50&sort=-created_at")
        if page:
            self.check(ws, "projects list", page["items"], "name")
        detail = await self.call(http, ws, "GET", f"/api/v1/projects/{random.choice(ws.projects)}")
        if detail:
            self.check(ws, "project", [detail], "name")

    async def read_tasks(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        project = random.choice(ws.projects)
        for path in (f"/api/v1/projects/{project}/tasks?limit=50", "/api/v1/tasks?limit=50"):
            page = await self.call(http, ws, "GET", path)
            if page:
                self.check(ws, "tasks list", page["items"], "title")
                for task in page["items"]:
                    self.check_refs(ws, "task", task, "project_id")

    async def read_customers(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        page = await self.call(http, ws, "GET", "/api/v1/customers?limit=50")
        if page:
            self.check(ws, "customers list", page["items"], "name")
        detail = await self.call(
            http, ws, "GET", f"/api/v1/customers/{random.choice(ws.customers)}"
        )
        if detail:
            self.check(ws, "customer", [detail], "name")

    async def read_invoices(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        page = await self.call(http, ws, "GET", "/api/v1/invoices?limit=50")
        if page:
            self.check(ws, "invoices list", page["items"], "notes")
        if ws.invoices:
            detail = await self.call(
                http, ws, "GET", f"/api/v1/invoices/{random.choice(ws.invoices)}"
            )
            if detail:
                self.check(ws, "invoice", [detail], "notes")
                self.check_refs(ws, "invoice", detail, "customer_id")
                marked = [{**line, "id": "line"} for line in detail["lines"]]
                self.check(ws, "invoice lines", marked, "description")

    async def read_time(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        page = await self.call(http, ws, "GET", "/api/v1/time-entries?limit=50")
        if page:
            self.check(ws, "time entries list", page["items"], "description")
            for entry in page["items"]:
                self.check_refs(ws, "time entry", entry, "project_id", "employee_id")

    def operations(self) -> list[Callable[[httpx.AsyncClient, Workspace], Awaitable[None]]]:
        """The mix: two reads for each write."""
        reads = [self.read_projects, self.read_tasks, self.read_customers, self.read_invoices]
        writes = [self.create_project, self.create_task, self.create_customer, self.create_invoice]
        return [*reads, self.read_time, *reads, self.read_time, *writes, self.create_time_entry]

    async def client(self, http: httpx.AsyncClient, ws: Workspace) -> None:
        operations = self.operations()
        while time.monotonic() < self.stop_at:
            await random.choice(operations)(http, ws)

    async def run(
        self, clients: int, seconds: float, during: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Prepares the workspaces, then loads for `seconds`, or while `during` runs."""
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=self.base, limits=limits) as http:
            await asyncio.gather(*(self.prepare(http, ws) for ws in self.workspaces))
            self.stop_at = time.monotonic() + seconds
            chosen = [self.workspaces[i % len(self.workspaces)] for i in range(clients)]
            load = asyncio.gather(*(self.client(http, ws) for ws in chosen))
            if during is not None:
                await during()
                self.stop_at = 0.0
            await load

    # --- the end --------------------------------------------------------------------------

    async def lost_writes(self, db: Database) -> dict[str, int]:
        """Writes answered 2xx that are not stored, per kind (looked up by id as the owner,
        in each workspace's own context: row-level security holds the owner too)."""
        lost = dict.fromkeys(TABLES, 0)
        conn = await asyncpg.connect(db.role_url(OWNER_ROLE))
        try:
            for ws in self.workspaces:
                async with conn.transaction():
                    await conn.execute(
                        "SELECT set_config('app.workspace_id', $1, true)", str(ws.id)
                    )
                    for kind, table in TABLES.items():
                        ids = [i for w, i in self.tally.writes[kind] if w == ws.id]
                        found = await conn.fetchval(
                            f"SELECT count(*) FROM {table} WHERE id = ANY($1::uuid[])", ids
                        )
                        lost[kind] += len(ids) - found
        finally:
            await conn.close()
        return lost


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def summary(tally: Tally, seconds: float) -> dict[str, Any]:
    latencies = [o.latency for o in tally.outcomes]
    statuses = tally.statuses()
    return {
        "requests": len(tally.outcomes),
        "rps": len(tally.outcomes) / seconds if seconds else 0.0,
        "errors": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "statuses": dict(sorted(statuses.items())),
        "writes": sum(len(w) for w in tally.writes.values()),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
    }


async def seeded_soak(db: Database, base: str, workspaces: int, client_timeout: float) -> Soak:
    """A soak over `workspaces` freshly generated tenants, each with a signed-in owner."""
    data = await generate(
        db.superuser_db,
        workspaces=workspaces,
        tasks=workspaces * PROJECTS_PER_WORKSPACE * TASKS_PER_PROJECT,
        probes=workspaces,
        probe_projects=PROJECTS_PER_WORKSPACE,
        probe_tasks_per_project=TASKS_PER_PROJECT,
    )
    soak = Soak(base, [Workspace(i, t) for i, t in enumerate(data.probes)], client_timeout)
    await soak.load_seeded_ids(db)
    return soak


def parse(prog: str, doc: str | None, workspaces: int, clients: int) -> argparse.ArgumentParser:
    """The options the soak and the faults run share."""
    parser = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspaces", type=int, default=workspaces)
    parser.add_argument("--clients", type=int, default=clients, help="concurrent clients")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    return parser


def main() -> None:
    parser = parse("python -m bench.soak", __doc__, 50, 32)
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration")
    args = parser.parse_args()
    superuser, embedded = postgres_server()
    db: Database | None = None
    try:
        db = create_database(superuser, "soak")
        with serving(db) as server:
            _pin(0, 1)
            soak = asyncio.run(seeded_soak(db, server.base, args.workspaces, args.timeout))
            started = time.monotonic()
            asyncio.run(soak.run(args.clients, args.seconds))
            elapsed = time.monotonic() - started
            rss = server.rss_mb
        lost = asyncio.run(soak.lost_writes(db))
    finally:
        if db is not None:
            asyncio.run(drop_database(superuser, db.name))
        if embedded is not None:
            embedded.stop()
    s = summary(soak.tally, elapsed)
    print(f"soak: {args.workspaces} workspaces, {args.clients} clients, {elapsed:.0f} s")
    print(
        f"  requests    {s['requests']:,} ({s['rps']:,.0f}/s), writes answered 2xx {s['writes']:,}"
    )
    print(f"  statuses    {s['statuses']}")
    print(f"  errors      {s['errors']} (target 0)")
    print(f"  latency     p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms")
    print(f"  leaks       {len(soak.tally.leaks)} (must be 0)")
    for leak in soak.tally.leaks[:20]:
        print(f"    {leak}")
    print(f"  lost writes {sum(lost.values())} (must be 0) {lost}")
    print(f"  server RSS  {rss:.0f} MiB at the end")
    sys.exit(1 if soak.tally.leaks or sum(lost.values()) else 0)


if __name__ == "__main__":
    main()
