"""One large workspace beside small ones: every list, the dashboard and the forms, measured
at two workspace sizes in one database.

The data is written by binary COPY as in `bench.dataset`: a `large` workspace (in the full
plan 100,000 invoices, 10,000 customers, 5,000 employees, 200,000 tasks), a `small` one of
the same shape a hundredth of its size, and many tiny background workspaces. Each case is
a fixed request sent sequentially, so that the figures are the latency of one request
alone; the report compares the large workspace with the small one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from atlas.db.ids import uuid7
from bench.dataset import PASSWORD_HASH

INVOICE_STATUSES = ("draft", "issued", "paid", "void")
EMPLOYEE_STATUSES = ("onboarding", "active", "on_leave", "terminated")
TASK_STATUSES = ("todo", "in_progress", "blocked", "done", "cancelled")
TASK_PRIORITIES = ("low", "medium", "high", "urgent")
DEPARTMENTS = 20
TASKS_PER_PROJECT = 1_000


@dataclass(frozen=True)
class Shape:
    invoices: int
    customers: int
    employees: int
    tasks: int


@dataclass(frozen=True)
class LargePlan:
    large: Shape
    small: Shape
    background_workspaces: int
    background: Shape
    requests: int
    warmup: int
    max_seconds: float  # a case stops early after this long (slow cases at the large size)


FULL_LARGE = LargePlan(
    Shape(100_000, 10_000, 5_000, 200_000),
    Shape(1_000, 100, 50, 2_000),
    2_000,
    Shape(10, 3, 3, 10),
    requests=200,
    warmup=10,
    max_seconds=8.0,
)
QUICK_LARGE = LargePlan(
    Shape(2_000, 200, 100, 4_000),
    Shape(100, 10, 5, 200),
    20,
    Shape(5, 2, 2, 5),
    requests=10,
    warmup=2,
    max_seconds=2.0,
)


@dataclass
class Workspace:
    label: str
    shape: Shape
    workspace_id: uuid.UUID
    slug: str
    token: str
    project_ids: list[uuid.UUID] = field(default_factory=list)


class _Rows:
    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[object, ...]]] = {}

    def add(self, table: str, row: tuple[object, ...]) -> None:
        self.tables.setdefault(table, []).append(row)


COLUMNS = {
    "users": ["id", "email", "name", "password_hash"],
    "workspaces": ["id", "name", "slug"],
    "sessions": ["id", "user_id", "token_hash", "expires_at", "last_seen_at"],
    "workspace_members": ["workspace_id", "id", "user_id", "role"],
    "customers": ["workspace_id", "id", "name", "email", "currency", "created_at", "updated_at"],
    "invoices": [
        "workspace_id",
        "id",
        "customer_id",
        "number",
        "status",
        "currency",
        "issue_date",
        "due_date",
        "subtotal",
        "tax_total",
        "total",
        "amount_paid",
        "created_at",
        "updated_at",
    ],
    "departments": ["workspace_id", "id", "code", "name"],
    "employees": [
        "workspace_id",
        "id",
        "number",
        "first_name",
        "last_name",
        "work_email",
        "department_id",
        "status",
        "start_date",
        "created_at",
        "updated_at",
    ],
    "projects": ["workspace_id", "id", "code", "name", "status", "currency", "last_task_number"],
    "tasks": [
        "workspace_id",
        "id",
        "project_id",
        "number",
        "title",
        "status",
        "priority",
        "due_date",
        "created_at",
        "updated_at",
    ],
}

FIRST_NAMES = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken")
LAST_NAMES = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")


def _workspace(rows: _Rows, index: int, shape: Shape, label: str, token: bool) -> Workspace:
    now = datetime.now(UTC)
    start = now - timedelta(days=730)
    ws_id, user_id = uuid7(), uuid7()
    slug = f"large-{index}"
    rows.add("users", (user_id, f"owner-{index}@large.example", f"Owner {index}", PASSWORD_HASH))
    rows.add("workspaces", (ws_id, f"Workspace {index}", slug))
    rows.add("workspace_members", (ws_id, uuid7(), user_id, "owner"))
    secret = f"large-token-{index}-{uuid.uuid4().hex}" if token else ""
    if token:
        digest = hashlib.sha256(secret.encode()).digest()
        rows.add("sessions", (uuid7(), user_id, digest, now + timedelta(days=1), now))
    workspace = Workspace(label, shape, ws_id, slug, secret)

    def at(i: int, n: int) -> datetime:
        return start + timedelta(seconds=int(i * 730 * 86_400 / max(n, 1)))

    customer_ids = []
    for i in range(shape.customers):
        cid = uuid7()
        customer_ids.append(cid)
        created = at(i, shape.customers)
        rows.add(
            "customers",
            (ws_id, cid, f"Customer {i:06d}", f"billing{i}@c{i}.example", "USD", created, created),
        )
    for i in range(shape.invoices):
        status = INVOICE_STATUSES[i % 4]
        created = at(i, shape.invoices)
        issue = created.date()
        total = 100 + (i * 37) % 9_900
        rows.add(
            "invoices",
            (
                ws_id,
                uuid7(),
                customer_ids[i % len(customer_ids)],
                None if status == "draft" else f"INV-{i + 1:07d}",
                status,
                "USD",
                issue,
                issue + timedelta(days=30),
                total,
                0,
                total,
                total if status == "paid" else 0,
                created,
                created,
            ),
        )
    department_ids = [uuid7() for _ in range(min(DEPARTMENTS, shape.employees))]
    for d, did in enumerate(department_ids):
        rows.add("departments", (ws_id, did, f"D{d:02d}", f"Department {d:02d}"))
    for i in range(shape.employees):
        created = at(i, shape.employees)
        rows.add(
            "employees",
            (
                ws_id,
                uuid7(),
                i + 1,
                FIRST_NAMES[i % len(FIRST_NAMES)],
                f"{LAST_NAMES[i % len(LAST_NAMES)]}{i:05d}",
                f"employee{i}@{slug}.example",
                department_ids[i % len(department_ids)],
                EMPLOYEE_STATUSES[i % 4],
                created.date(),
                created,
                created,
            ),
        )
    projects = max(1, -(-shape.tasks // TASKS_PER_PROJECT))
    for p in range(projects):
        pid = uuid7()
        workspace.project_ids.append(pid)
        count = min(TASKS_PER_PROJECT, shape.tasks - p * TASKS_PER_PROJECT)
        rows.add("projects", (ws_id, pid, f"P{p + 1}", f"Project {p + 1}", "active", "USD", count))
        for n in range(1, count + 1):
            created = at(p * TASKS_PER_PROJECT + n, shape.tasks)
            rows.add(
                "tasks",
                (
                    ws_id,
                    uuid7(),
                    pid,
                    n,
                    f"Task {n} of project {p + 1}",
                    TASK_STATUSES[n % 5],
                    TASK_PRIORITIES[n % 4],
                    created.date() + timedelta(days=14),
                    created,
                    created,
                ),
            )
    return workspace


async def generate(superuser_db_url: str, plan: LargePlan) -> list[Workspace]:
    """The small and the large workspace (the measured ones), then the background."""
    rows = _Rows()
    measured = [
        _workspace(rows, 0, plan.small, "small", token=True),
        _workspace(rows, 1, plan.large, "large", token=True),
    ]
    for i in range(plan.background_workspaces):
        _workspace(rows, 2 + i, plan.background, "background", token=False)
    conn = await asyncpg.connect(superuser_db_url)
    try:
        async with conn.transaction():
            # Bulk-loaded rows are not changes anyone made: audit and FK triggers stay quiet.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table, columns in COLUMNS.items():
                await conn.copy_records_to_table(
                    table, records=rows.tables.get(table, []), columns=columns
                )
        # As autovacuum would soon after such a load: statistics, and the visibility map
        # that lets counts read only an index.
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    return measured


# --- the cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    group: str  # "API", "page", "dashboard", "form"
    name: str
    path: str  # relative to the workspace: /api/v1/... or /w/{slug}/...


def _list_cases(
    group: str, name: str, path: str, rows: int, search: str, sorts: tuple[str, ...]
) -> list[Case]:
    """First page, a deep page (90 % of the way), a search, then every sort."""
    sep = "&" if "?" in path else "?"
    deep = max(0, (rows * 9 // 10) // 50 * 50)
    cases = [
        Case(group, f"{name}: first page", f"{path}{sep}limit=50"),
        Case(group, f"{name}: deep page", f"{path}{sep}limit=50&offset={deep}"),
        Case(group, f"{name}: search", f"{path}{sep}limit=50&q={search}"),
    ]
    cases += [Case(group, f"{name}: sort {s}", f"{path}{sep}limit=50&sort={s}") for s in sorts]
    return cases


INVOICE_SORTS = ("number", "-status", "issue_date", "-due_date", "-total", "customer", "created_at")
CUSTOMER_SORTS = ("name", "-created_at")
EMPLOYEE_SORTS = ("-number", "last_name", "first_name", "status", "-start_date", "created_at")
TASK_SORTS = ("-number", "title", "status", "-priority", "due_date", "created_at", "-updated_at")
PROJECT_SORTS = ("name", "-status", "start_date", "-created_at")


def cases(ws: Workspace) -> list[Case]:
    """The same requests for either workspace; offsets scale with its size."""
    s = ws.shape
    api, page = "/api/v1", f"/w/{ws.slug}"
    project = ws.project_ids[0]
    projects = len(ws.project_ids)
    out: list[Case] = []
    out += _list_cases("API", "invoices", f"{api}/invoices", s.invoices, "Customer", INVOICE_SORTS)
    out += _list_cases(
        "API", "customers", f"{api}/customers", s.customers, "Customer%2000", CUSTOMER_SORTS
    )
    out += _list_cases("API", "employees", f"{api}/employees", s.employees, "Ada", EMPLOYEE_SORTS)
    out += _list_cases("API", "tasks", f"{api}/tasks", s.tasks, "Task%201", TASK_SORTS)
    out += _list_cases(
        "API", "project tasks", f"{api}/projects/{project}/tasks", min(s.tasks, 1000), "Task", ()
    )
    out += _list_cases("API", "projects", f"{api}/projects", projects, "Project", PROJECT_SORTS)
    out += _list_cases("page", "invoices", f"{page}/invoices", s.invoices, "Customer", ())
    out += _list_cases("page", "customers", f"{page}/customers", s.customers, "Customer%2000", ())
    out += _list_cases("page", "employees", f"{page}/employees", s.employees, "Ada", ())
    out += _list_cases("page", "projects", f"{page}/projects", projects, "Project", ())
    out.append(Case("page", "project (its tasks): first page", f"{page}/projects/{project}"))
    out.append(Case("dashboard", "dashboard", f"{page}/"))
    out.append(Case("form", "new invoice form", f"{page}/invoices/new"))
    out.append(Case("form", "new employee form", f"{page}/employees/new"))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_case(client: httpx.Client, ws: Workspace, case: Case, plan: LargePlan) -> dict[str, Any]:
    headers = {"X-Workspace-Id": str(ws.workspace_id)}
    if case.group == "API":
        headers["Authorization"] = f"Bearer {ws.token}"
    cookies = {} if case.group == "API" else {"atlas_session": ws.token}
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + plan.max_seconds
    for i in range(plan.warmup + plan.requests):
        started = time.perf_counter()
        response = client.get(case.path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            errors += 1
        if i >= plan.warmup:
            latencies.append(elapsed)
            if time.monotonic() > deadline:
                break
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
        "requests": len(latencies),
        "errors": errors,
    }


@contextmanager
def measuring_client(base: str) -> Iterator[httpx.Client]:
    """A client in this process pinned to CPU 1, as the load generator: the server has CPU 0."""
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            yield client
    finally:
        if (os.cpu_count() or 1) >= 2:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def measure(base: str, workspaces: list[Workspace], plan: LargePlan) -> list[dict[str, Any]]:
    """Every case on each workspace, small then large, one request at a time."""
    rows: list[dict[str, Any]] = []
    with measuring_client(base) as client:
        small, large = workspaces
        for small_case, large_case in zip(cases(small), cases(large), strict=True):
            rows.append(
                {
                    "group": small_case.group,
                    "name": small_case.name,
                    "small": time_case(client, small, small_case, plan),
                    "large": time_case(client, large, large_case, plan),
                }
            )
    return rows


def run_generate(superuser_db_url: str, plan: LargePlan) -> tuple[list[Workspace], float]:
    started = time.monotonic()
    workspaces = asyncio.run(generate(superuser_db_url, plan))
    return workspaces, time.monotonic() - started


# --- the report ---------------------------------------------------------------------------

HEADING = "## 6. One large workspace"
LIST_P50_MS, DASHBOARD_P50_MS, MAX_RATIO = 100.0, 250.0, 1.5


def _p50_target(group: str) -> float:
    return DASHBOARD_P50_MS if group == "dashboard" else LIST_P50_MS


def _met(row: dict[str, Any]) -> bool:
    large = row["large"]
    ratio = large["p50_ms"] / row["small"]["p50_ms"]
    return large["p50_ms"] < _p50_target(row["group"]) and ratio <= MAX_RATIO


def report_section(plan: LargePlan, results: dict[str, Any]) -> list[str]:
    rows = results["rows"]
    small, big = plan.small, plan.large
    met = sum(_met(row) for row in rows)
    lines = [
        HEADING,
        "",
        f"One database holds a **large** workspace ({big.invoices:,} invoices,"
        f" {big.customers:,} customers, {big.employees:,} employees, {big.tasks:,} tasks in"
        f" {-(-big.tasks // TASKS_PER_PROJECT):,} projects), a **small** one of the same shape"
        f" ({small.invoices:,} invoices, {small.customers:,} customers, {small.employees:,}"
        f" employees, {small.tasks:,} tasks) and {plan.background_workspaces:,} tiny ones"
        f" (data generated in {results['generation_s']:.0f} s by binary COPY). Each case is"
        f" one request sent {plan.requests} times in a row after {plan.warmup} warm-up"
        f" requests (a case stops early after {plan.max_seconds:g} s; the `n` column says how"
        " many were timed), on one connection, by the bench process pinned to CPU 1. Lists"
        " ask for 50 rows; the deep page starts 90 % of the way through the rows; API requests"
        " carry a bearer token, pages the session cookie.",
        "",
        f"Targets: p50 under {LIST_P50_MS:g} ms for every list and form, under"
        f" {DASHBOARD_P50_MS:g} ms for the dashboard, and p50 at the large size ÷ p50 at the"
        f" small size at most {MAX_RATIO:g}×. **{met} of {len(rows)} cases meet both**; what"
        ' each miss would take is in performance-history.md (§6, "What still misses").',
        "",
        "| kind | case | small p50 ms | small p99 ms | large p50 ms | large p99 ms | n |"
        " p50 ratio | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s, b = row["small"], row["large"]
        errors = s["errors"] + b["errors"]
        lines.append(
            f"| {row['group']} | {row['name']} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} |"
            f" {b['p50_ms']:.1f} | {b['p99_ms']:.1f} | {b['requests']} |"
            f" {b['p50_ms'] / s['p50_ms']:.2f}× |"
            f" {'met' if _met(row) else '**missed**'}"
            + (f" ({errors} errors)" if errors else "")
            + " |"
        )
    lines.append("")
    return lines


def splice(document: str, section: list[str]) -> str:
    """`document` with the section of `section`'s heading (its first line) replaced by (or
    extended with) `section`; a section runs to the next `## ` heading or the end."""
    text, heading = "\n".join(section), section[0]
    start = document.find(heading)
    if start < 0:
        return document.rstrip("\n") + "\n\n" + text
    end = document.find("\n## ", start + len(heading))
    rest = document[end + 1 :] if end >= 0 else ""
    return document[:start] + text + ("\n" + rest if rest else "")
