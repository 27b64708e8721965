"""`python -m bench [--quick] [--output FILE]`: runs every benchmark and writes the report.

Each measurement runs the server (one uvicorn worker, pinned to CPU 0 where the machine
has two) and the load generator (a separate process, pinned to CPU 1) on 127.0.0.1,
for a bounded time, several rounds, variants interleaved; the report gives medians. The
projects list is measured once more on two workers, which share both CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from sqlalchemy.engine import make_url

from atlas.db.bootstrap import drop_database, ensure_roles_and_database, url_for_database
from atlas.db.embedded import EmbeddedPostgres, free_port, wheel_dir
from atlas.db.migrate import upgrade
from bench import books, large, statements
from bench.dataset import Dataset, Tenant, generate

ROOT = Path(__file__).resolve().parents[1]
OWNER_ROLE, APP_ROLE = "atlas_owner", "atlas_app"
TWO_CORES = (os.cpu_count() or 1) >= 2


@dataclass(frozen=True)
class Plan:
    quick: bool
    duration: float
    warmup: float
    rounds: int
    connections: int
    scaling_sizes: tuple[int, ...]
    scaling_tasks: int
    large: large.LargePlan
    statement_repeat: int
    books: books.BooksPlan
    write_clients: int = 32


FULL = Plan(
    False,
    10.0,
    2.0,
    5,
    8,
    (10, 1_000, 10_000),
    1_000_000,
    large.FULL_LARGE,
    3_000,
    books.FULL_BOOKS,
)
QUICK = Plan(True, 1.0, 0.3, 1, 4, (10, 100), 5_000, large.QUICK_LARGE, 100, books.QUICK_BOOKS)


# --- the database -------------------------------------------------------------------------


@dataclass
class Database:
    superuser: str
    name: str

    @property
    def superuser_db(self) -> str:
        return url_for_database(self.superuser, self.name)

    def role_url(self, role: str) -> str:
        url = make_url(self.superuser_db).set(username=role, password=None)
        return url.render_as_string(hide_password=False)


BENCH_PG = ROOT / ".atlas" / "bench-pg"


def postgres_server() -> tuple[str, EmbeddedPostgres | None]:
    url = os.environ.get("ATLAS_BENCH_DATABASE_URL")
    if url:
        return url, None
    server = EmbeddedPostgres(BENCH_PG)
    server.start()
    if TWO_CORES:  # PostgreSQL shares CPU 1 with the load generator; the app has CPU 0
        postmaster = psutil.Process(int((server.pgdata / "postmaster.pid").read_text().split()[0]))
        for proc in [postmaster, *postmaster.children()]:
            proc.cpu_affinity([1])
    return server.superuser_url(), server


def create_database(superuser: str, label: str) -> Database:
    db = Database(superuser, f"atlas_bench_{label}_{secrets.token_hex(3)}")
    asyncio.run(
        ensure_roles_and_database(
            superuser, database=db.name, owner_role=OWNER_ROLE, app_role=APP_ROLE
        )
    )
    upgrade(db.role_url(OWNER_ROLE), APP_ROLE)
    return db


async def _sql(url: str, *statements: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = []
        for statement in statements:
            rows = await conn.fetch(statement)
        return rows
    finally:
        await conn.close()


def sql(url: str, *statements: str) -> list[asyncpg.Record]:
    return asyncio.run(_sql(url, *statements))


def make_unpolicied_copies(db: Database) -> None:
    """bench_projects and bench_tasks: the same rows and indexes, no row-level security."""
    sql(
        db.superuser_db,
        "CREATE TABLE bench_projects (LIKE projects INCLUDING DEFAULTS INCLUDING INDEXES)",
        "INSERT INTO bench_projects SELECT * FROM projects",
        "CREATE TABLE bench_tasks (LIKE tasks INCLUDING DEFAULTS INCLUDING INDEXES)",
        "INSERT INTO bench_tasks SELECT * FROM tasks",
        f"GRANT SELECT ON bench_projects, bench_tasks TO {APP_ROLE}",
        "ANALYZE bench_projects",
        "ANALYZE bench_tasks",
    )


# --- processes ----------------------------------------------------------------------------


def _pin(pid: int, cpu: int) -> None:
    if TWO_CORES:
        os.sched_setaffinity(pid, {cpu})


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def rss_mb(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def cpu_seconds(self) -> float:
        """The server's CPU: uvicorn's process and its live workers (with --workers)."""
        process = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [process, *process.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total


@contextmanager
def serving(
    db: Database, settings: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Server]:
    """The bench app; `settings` adds or overrides ATLAS_* variables. One worker is pinned
    to CPU 0; more workers share every CPU (with PostgreSQL and the load generator)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(
        ATLAS_DATABASE_URL=db.role_url(OWNER_ROLE),
        ATLAS_APP_DATABASE_URL=db.role_url(APP_ROLE),
        ATLAS_SECRET_KEY="bench-key-bench-key-bench-key-bench-key",
        ATLAS_LOG_LEVEL="WARNING",
        ATLAS_POOL_MAX_SIZE="10",
        # Measurements are not throttled: many sign-ins from one IP, no API limits.
        ATLAS_RATE_LIMIT_API_PER_WORKSPACE="0",
        ATLAS_RATE_LIMIT_API_PER_MEMBER="0",
        ATLAS_RATE_LIMIT_AUTH_PER_IP="1000000",
    )
    env.update(settings or {})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.app:create_bench_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",  # as `atlas-erp serve`: only ATLAS_TRUSTED_PROXIES counts
        ],
        env=env,
        cwd=ROOT,
    )
    if workers == 1:
        _pin(process.pid, 0)
    server = Server(f"http://127.0.0.1:{port}", port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{server.base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def postgres_cpu_seconds() -> float:
    """CPU used by the bench's PostgreSQL: the postmaster, its live backends, and the
    backends that have exited (counted in the postmaster's children times), so the count
    never goes down. Other PostgreSQL servers on the machine are left out; with an
    external server (ATLAS_BENCH_DATABASE_URL) every local postgres process counts."""
    pid_file = BENCH_PG / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return sum(
            proc.info["cpu_times"].user + proc.info["cpu_times"].system
            for proc in psutil.process_iter(["name", "cpu_times"])
            if proc.info["name"] == "postgres" and proc.info["cpu_times"] is not None
        )
    postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
    own = postmaster.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for backend in postmaster.children():
        with contextlib.suppress(psutil.NoSuchProcess):
            times = backend.cpu_times()
            total += times.user + times.system
    return total


def load(
    server: Server, plan: Plan, requests: list[dict[str, Any]], connections: int | None = None
) -> dict[str, Any]:
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "duration": plan.duration,
        "warmup": plan.warmup,
        "connections": connections or plan.connections,
        "requests": requests,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    app_cpu, pg_cpu = server.cpu_seconds(), postgres_cpu_seconds()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", f.name],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            preexec_fn=(lambda: _pin(0, 1)) if TWO_CORES else None,
            timeout=plan.duration + plan.warmup + 120,
        )
    finally:
        os.unlink(f.name)
    result: dict[str, Any] = json.loads(done.stdout)
    result["app_cpu"] = server.cpu_seconds() - app_cpu
    result["pg_cpu"] = postgres_cpu_seconds() - pg_cpu
    return result


# --- measurements -------------------------------------------------------------------------


def _auth(tenant: Tenant) -> dict[str, str]:
    assert tenant.token is not None
    return {"Authorization": f"Bearer {tenant.token}", "X-Workspace-Id": str(tenant.workspace_id)}


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _per_request_us(runs: list[dict[str, Any]], key: str) -> float:
    """CPU per answered request in µs; the CPU counts cover the warm-up, so does ok_total."""
    return float(statistics.median(run[key] / max(run["ok_total"], 1) * 1e6 for run in runs))


@dataclass
class Variant:
    name: str
    requests: list[dict[str, Any]]
    runs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "rps": _median(self.runs, "rps"),
            "p50_ms": _median(self.runs, "p50_ms"),
            "p99_ms": _median(self.runs, "p99_ms"),
            "errors": sum(run["errors"] + run["requests"] - run["ok"] for run in self.runs),
            "app_cpu": _median(self.runs, "app_cpu"),
            "pg_cpu": _median(self.runs, "pg_cpu"),
            "load_cpu": _median(self.runs, "cpu_seconds"),
            "app_us": _per_request_us(self.runs, "app_cpu"),
            "pg_us": _per_request_us(self.runs, "pg_cpu"),
        }


def list_query(db: Database, tenant: Tenant) -> str:
    """The shipped list statement, captured from the repository, with $n as pgbench vars."""
    from atlas.pagination import PageRequest
    from atlas.projects.repository import ProjectsRepository

    captured: list[tuple[str, tuple[Any, ...]]] = []

    class Recorder:
        async def fetch(self, statement: str, *args: Any) -> list[Any]:
            captured.append((statement, args))
            return []

        async def fetchval(self, statement: str, *args: Any) -> Any:
            return 0

    asyncio.run(
        ProjectsRepository(Recorder(), tenant.workspace_id).list(  # type: ignore[arg-type]
            statuses=[], q=None, sort=None, page=PageRequest(limit=20, offset=0)
        )
    )
    statement, args = captured[0]
    values = {1: ":ws::uuid", **{i: str(arg) for i, arg in enumerate(args[1:], start=2)}}
    return re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], " ".join(statement.split()))


def pgbench_rate(
    db: Database, tenant: Tenant, plan: Plan, embedded: EmbeddedPostgres | None
) -> float:
    binary = embedded.layout.bin_dir / "pgbench" if embedded else wheel_dir() / "bin" / "pgbench"
    script = "\n".join(
        [
            "BEGIN;",
            "SELECT set_config('app.workspace_id', :ws, true);",
            list_query(db, tenant) + ";",
            "COMMIT;",
        ]
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    os.chmod(f.name, 0o644)
    try:
        done = subprocess.run(
            [
                str(binary),
                "-n",
                "-M",
                "prepared",
                "-c",
                str(plan.connections),
                "-j",
                "1",
                "-T",
                str(max(1, int(plan.duration))),
                "-f",
                f.name,
                "-D",
                f"ws={tenant.workspace_id}",
                db.role_url(APP_ROLE),
            ],
            capture_output=True,
            text=True,
            check=True,
            preexec_fn=(lambda: _pin(0, 1)) if TWO_CORES else None,
        )
    finally:
        os.unlink(f.name)
    match = re.search(r"tps = ([0-9.]+)", done.stdout)
    return float(match.group(1)) if match else float("nan")


TWO_WORKERS = ("shipped", "raw")


def measure_isolation_and_efficiency(
    superuser: str, plan: Plan, embedded: EmbeddedPostgres | None
) -> dict[str, Any]:
    db = create_database(superuser, "main")
    try:
        data = asyncio.run(
            generate(
                db.superuser_db,
                workspaces=1,
                tasks=1000,
                probes=1,
                probe_projects=50,
                probe_tasks_per_project=20,
            )
        )
        make_unpolicied_copies(db)
        tenant = data.probes[0]
        baseline = f"/bench/baseline/projects?workspace_id={tenant.workspace_id}&limit=20"
        variants = [
            Variant("shipped", [{"path": "/api/v1/projects?limit=20", "headers": _auth(tenant)}]),
            Variant("baseline", [{"path": f"{baseline}&mode=plain"}]),
            Variant("baseline + transaction", [{"path": f"{baseline}&mode=tx"}]),
            Variant(
                "baseline + transaction + guard call",
                [{"path": f"{baseline}&mode=guard", "headers": _auth(tenant)}],
            ),
            Variant("raw", [{"path": "/bench/raw/projects", "headers": _auth(tenant)}]),
        ]
        # Before the writes below, which add projects to the listed workspace.
        two_workers = [Variant(v.name, v.requests) for v in variants if v.name in TWO_WORKERS]
        with serving(db, workers=2) as server:
            for _ in range(plan.rounds):
                for variant in two_workers:
                    variant.runs.append(load(server, plan, variant.requests))
        with serving(db) as server:
            shipped = httpx.get(f"{server.base}/api/v1/projects?limit=20", headers=_auth(tenant))
            plain = httpx.get(f"{server.base}{baseline}")
            assert shipped.json()["items"] == plain.json()["items"], "variants disagree"
            assert len(shipped.json()["items"]) == 20
            idle_rss = server.rss_mb
            for _ in range(plan.rounds):
                for variant in variants:
                    variant.runs.append(load(server, plan, variant.requests))
            writes = measure_writes(db, server, tenant, plan)
            loaded_rss = server.rss_mb
            connections = sql(
                db.superuser_db,
                f"SELECT count(*) AS n FROM pg_stat_activity WHERE usename = '{APP_ROLE}'"
                f" AND datname = '{db.name}'",
            )[0]["n"]
        pg_rate = pgbench_rate(db, tenant, plan, embedded)
        assert tenant.token is not None
        costs = statements.statement_costs(
            db.role_url(APP_ROLE),
            tenant.workspace_id,
            tenant.token,
            repeat=plan.statement_repeat,
            rounds=plan.rounds,
        )
        summaries = {v.name: v.summary() for v in variants}
        return {
            "variants": summaries,
            "two_workers": {v.name: v.summary() for v in two_workers},
            "pgbench_tps": pg_rate,
            "statements": costs,
            "writes": writes,
            "footprint": {
                "idle_rss_mb": idle_rss,
                "loaded_rss_mb": loaded_rss,
                "db_connections": int(connections),
                "pool_max": 10,
            },
        }
    finally:
        asyncio.run(drop_database(superuser, db.name))


def measure_writes(db: Database, server: Server, tenant: Tenant, plan: Plan) -> dict[str, Any]:
    client = httpx.Client(base_url=server.base, headers=_auth(tenant), timeout=30)
    project_ids = []
    for i in range(plan.write_clients):
        made = client.post("/api/v1/projects", json={"code": f"W{i + 1}", "name": f"Writes {i}"})
        assert made.status_code == 201, made.text
        project_ids.append(made.json()["id"])
    body = json.dumps({"title": "bench task"})
    cases = {
        "one project": [project_ids[0]],
        f"{plan.write_clients} projects": [*project_ids[1:], project_ids[0]],
    }
    results: dict[str, Any] = {}
    created_before = 0
    for name, targets in cases.items():
        requests = [
            {
                "method": "POST",
                "path": f"/api/v1/projects/{pid}/tasks",
                "headers": _auth(tenant),
                "body": body,
            }
            for pid in targets
        ]
        run = load(server, plan, requests, connections=plan.write_clients)
        check = sql(
            db.superuser_db,
            "SELECT coalesce(sum(max_number), 0) AS numbered,"
            " coalesce(sum(distinct_numbers), 0) AS distinct_numbers,"
            " coalesce(sum(tasks), 0) AS tasks FROM ("
            "  SELECT max(number) AS max_number, count(DISTINCT number) AS distinct_numbers,"
            "         count(*) AS tasks FROM tasks"
            f"  WHERE project_id IN ({', '.join(repr(p) for p in project_ids)})"
            "  GROUP BY project_id) AS per_project",
        )[0]
        totals = check["tasks"]
        created = int(totals) - created_before
        created_before = int(totals)
        results[name] = {
            "rps": run["rps"],
            "p50_ms": run["p50_ms"],
            "p99_ms": run["p99_ms"],
            "ok": run["ok"],
            "errors": run["errors"] + run["requests"] - run["ok"],
            "created": created,
            # Every project's numbers are exactly 1..n, and every 201 is a stored task.
            "gapless": int(check["numbered"]) == int(totals) == int(check["distinct_numbers"])
            and created == run["ok_total"],
        }
    return results


def measure_scaling(superuser: str, plan: Plan) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for size in plan.scaling_sizes:
        db = create_database(superuser, f"t{size}")
        try:
            started = time.monotonic()
            data: Dataset = asyncio.run(
                generate(
                    db.superuser_db,
                    workspaces=size,
                    tasks=plan.scaling_tasks,
                    probes=5,
                    probe_projects=25,
                    probe_tasks_per_project=40,
                )
            )
            generation = time.monotonic() - started
            requests = []
            for tenant in data.probes:
                requests.append({"path": "/api/v1/projects?limit=20", "headers": _auth(tenant)})
                for pid in tenant.project_ids[:3]:
                    requests.append(
                        {"path": f"/api/v1/projects/{pid}/tasks?limit=20", "headers": _auth(tenant)}
                    )
            variant = Variant(f"{size} workspaces", requests)
            with serving(db) as server:
                for _ in range(plan.rounds):
                    variant.runs.append(load(server, plan, requests))
            out[size] = {**variant.summary(), "tasks": data.tasks, "generation_s": generation}
        finally:
            asyncio.run(drop_database(superuser, db.name))
    return out


def measure_large(superuser: str, plan: Plan) -> dict[str, Any]:
    db = create_database(superuser, "large")
    try:
        workspaces, generation = large.run_generate(db.superuser_db, plan.large)
        with serving(db) as server:
            rows = large.measure(server.base, workspaces, plan.large)
        return {"rows": rows, "generation_s": generation}
    finally:
        asyncio.run(drop_database(superuser, db.name))


def measure_posting(superuser: str, plan: Plan) -> dict[str, Any]:
    """Invoice issues by 32 clients, with their posting and without, runs interleaved."""
    p = plan.books
    db = create_database(superuser, "posting")
    try:
        runs = 2 * p.posting_rounds
        tenant, drafts = books.generate_drafts(db.superuser_db, runs * p.drafts_per_run)
        chunks = [drafts[i * p.drafts_per_run : (i + 1) * p.drafts_per_run] for i in range(runs)]
        timing = dataclasses.replace(plan, duration=p.posting_seconds, warmup=0.5)
        variants = {
            "with its entry": Variant("with its entry", []),
            "without": Variant("without", []),
        }
        settings = {"without": {"ATLAS_BENCH_WITHOUT_POSTING": "1"}}
        with serving(db) as shipped, serving(db, settings["without"]) as without:
            servers = {"with its entry": shipped, "without": without}
            for round_ in range(p.posting_rounds):
                for k, (name, variant) in enumerate(variants.items()):
                    chunk = chunks[2 * round_ + k]
                    requests = [
                        {
                            "method": "POST",
                            "path": f"/api/v1/invoices/{i}/issue",
                            "headers": _auth(tenant),
                        }
                        for i in chunk
                    ]
                    run = load(servers[name], timing, requests, connections=p.posting_clients)
                    assert run["ok_total"] < len(chunk), "the run ran out of drafts"
                    variant.runs.append(run)
        return {
            "variants": {name: v.summary() for name, v in variants.items()},
            "gapless": books.gapless(db.superuser_db),
        }
    finally:
        asyncio.run(drop_database(superuser, db.name))


def measure_reports(superuser: str, plan: Plan) -> dict[str, Any]:
    """The reports of a large and a small workspace, and of one among many."""
    results: list[dict[str, Any]] = []
    generation = {}
    for label, make in (("one large", books.generate_one_large), ("many", books.generate_many)):
        db = create_database(superuser, "books")
        try:
            measured, generation[label] = make(db.superuser_db, plan.books)
            with serving(db) as server:
                results += books.time_reports(server.base, measured, plan.books)
        finally:
            asyncio.run(drop_database(superuser, db.name))
    return {"rows": results, "generation_s": generation}


def measure_books(superuser: str, plan: Plan) -> dict[str, Any]:
    return {
        "posting": measure_posting(superuser, plan),
        "reports": measure_reports(superuser, plan),
    }


# --- the report ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _variant_row(name: str, s: dict[str, float]) -> str:
    return (
        f"| {name} | {s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} |"
        f" {s['errors']:.0f} | {s['app_cpu']:.1f} | {s['pg_cpu']:.1f} | {s['load_cpu']:.1f} |"
        f" {s['app_us']:,.0f} | {s['pg_us']:,.0f} |"
    )


def profile_lines(v: dict[str, dict[str, float]]) -> list[str]:
    """Where the shipped route's CPU goes beyond the raw route (app) and the bare query
    (database), from the step rows above; py-spy's split is in performance-history.md."""
    shipped, raw, baseline = v["shipped"], v["raw"], v["baseline"]
    tx, guard = v["baseline + transaction"], v["baseline + transaction + guard call"]
    return [
        "### Where the time goes",
        "",
        f"- **Database**, per request: the bare query {baseline['pg_us']:,.0f} µs; the"
        f" transaction (BEGIN, COMMIT, the tenant setting) adds"
        f" {tx['pg_us'] - baseline['pg_us']:,.0f} µs, the guard's call"
        f" {guard['pg_us'] - tx['pg_us']:,.0f} µs, row-level security and the rest of the"
        f" shipped route {shipped['pg_us'] - guard['pg_us']:,.0f} µs"
        f" (shipped: {shipped['pg_us']:,.0f} µs); under load a step's few microseconds are"
        " within the noise: the table below splits them one statement at a time.",
        f"- **App**, per request: the raw route {raw['app_us']:,.0f} µs of worker CPU, the"
        f" shipped route {shipped['app_us']:,.0f} µs; the difference is FastAPI's dependency"
        " resolution and query parameters, Pydantic's validation and serialisation of the"
        " page, and the request transaction's bookkeeping (py-spy's split:"
        " performance-history.md §7 and §8).",
    ]


def report(plan: Plan, results: dict[str, Any], pg_version: str) -> str:
    v = results["main"]["variants"]
    shipped, baseline, raw = v["shipped"], v["baseline"], v["raw"]
    latency_ratio = shipped["p50_ms"] / baseline["p50_ms"]
    throughput_ratio = shipped["rps"] / baseline["rps"]
    efficiency = shipped["rps"] / raw["rps"]
    db_cpu = shipped["pg_us"] / baseline["pg_us"]
    two = results["main"]["two_workers"]
    two_efficiency = two["shipped"]["rps"] / two["raw"]["rps"]
    scaling = results["scaling"]
    small, biggest = scaling[min(scaling)], scaling[max(scaling)]
    p50_scale = biggest["p50_ms"] / small["p50_ms"]
    p99_scale = biggest["p99_ms"] / small["p99_ms"]
    m = machine()
    lines = [
        "# Performance",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench`"
        + (" in quick mode (tiny data, short runs: not a measurement)" if plan.quick else "")
        + ".",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['os']}; Python {m['python']};"
        f" PostgreSQL {pg_version}. One uvicorn worker pinned to CPU 0; the load generator"
        " (`bench/loadgen.py`, its own process) and the embedded PostgreSQL pinned to CPU 1;"
        " all on 127.0.0.1. Logging at WARNING (no access log lines).",
        "",
        f"Each figure is the median of {plan.rounds} rounds of {plan.duration:g} s (after"
        f" {plan.warmup:g} s of warm-up), {plan.connections} keep-alive connections unless"
        " said otherwise, variants interleaved within each round.",
        "",
        "## Results against the targets",
        "",
        "| # | measure | result | target | |",
        "|---|---|---|---|---|",
        f"| 1 | isolation overhead: latency, shipped ÷ no-isolation baseline (p50) |"
        f" {latency_ratio:.3f}× | ≤ 1.10× | {_verdict(latency_ratio <= 1.10)} |",
        f"| 1 | isolation overhead: throughput, shipped ÷ baseline |"
        f" {throughput_ratio:.3f}× | ≥ 0.90× | {_verdict(throughput_ratio >= 0.90)} |",
        f"| 2 | API efficiency: shipped ÷ raw asyncpg route, requests/s |"
        f" {efficiency:.3f} | ≥ 0.85 | {_verdict(efficiency >= 0.85)} |",
        f"| 2 | API efficiency on two workers: shipped ÷ raw, requests/s |"
        f" {two_efficiency:.3f} | (reported) | |",
        f"| 2 | database CPU per request: shipped (guard + query) ÷ baseline (bare query) |"
        f" {db_cpu:.2f}× | ≤ 1.5× | {_verdict(db_cpu <= 1.5)} |",
        f"| 3 | tenant scaling: p50 at {max(scaling):,} ÷ at {min(scaling):,} workspaces |"
        f" {p50_scale:.3f}× | ≤ 1.2× | {_verdict(p50_scale <= 1.2)} |",
        f"| 3 | tenant scaling: p99 at {max(scaling):,} ÷ at {min(scaling):,} workspaces |"
        f" {p99_scale:.3f}× | ≤ 1.2× | {_verdict(p99_scale <= 1.2)} |",
        "",
        "## 1–2. The projects list (20 rows), three ways on one server",
        "",
        "- **shipped**: `GET /api/v1/projects?limit=20` — session lookup, membership and role"
        " check, tenant context, one transaction, row-level security, Pydantic response;",
        "- **baseline**: the same service call and response model on un-policied copies of the"
        " tables, with no guard and no transaction (bench-only route); the two rows after it"
        " add, step by step, the request transaction with the tenant context and the guard's"
        " database call (session, membership, role: `atlas_request_context`);",
        "- **raw**: the shipped database work (transaction, guard function, the same query) on"
        " raw asyncpg, rows dumped with `json.dumps` (bench-only route).",
        "",
        "| variant | requests/s | p50 ms | p99 ms | errors | app CPU s | PostgreSQL CPU s |"
        " load CPU s | app µs/request | PostgreSQL µs/request |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_variant_row(name, s) for name, s in v.items()]
    lines += [
        "",
        "The same two variants on two uvicorn workers (`--workers 2`), not pinned: the"
        " workers, PostgreSQL and the load generator share both CPUs.",
        "",
        "| variant | requests/s | p50 ms | p99 ms | errors | app CPU s | PostgreSQL CPU s |"
        " load CPU s | app µs/request | PostgreSQL µs/request |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_variant_row(f"{name}, two workers", s) for name, s in two.items()]
    lines += [
        "",
        *profile_lines(v),
        "",
        f"PostgreSQL's own ceiling for the same transaction (set_config + the list query),"
        f" pgbench with {plan.connections} clients as the app role:"
        f" **{results['main']['pgbench_tps']:,.0f} transactions/s**.",
        "",
        *statements.report_lines(results["main"]["statements"]),
        "",
        "## 3. Tenant-count scaling",
        "",
        f"{plan.scaling_tasks:,} task rows in each database, spread over the workspaces with a"
        " Zipf-like skew (workspace *i* holds a share ∝ 1/*i*); the load is aimed at five probe"
        " workspaces of one fixed shape (25 projects × 40 tasks) so that the same requests do"
        " the same work in every database: the projects list and three project task lists"
        " (20 rows each).",
        "",
        "| workspaces | task rows | data generated in | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, s in scaling.items():
        lines.append(
            f"| {size:,} | {s['tasks']:,} | {s['generation_s']:.0f} s | {s['rps']:,.0f} |"
            f" {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']:.0f} |"
        )
    writes = results["main"]["writes"]
    lines += [
        "",
        "## 4. Write path: task creation with per-project numbering",
        "",
        f"{plan.write_clients} concurrent clients, each creating tasks as fast as it can.",
        "",
        "| case | tasks/s | p50 ms | p99 ms | created | errors | gapless 1..n, all 201s stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, w in writes.items():
        lines.append(
            f"| {name} | {w['rps']:,.0f} | {w['p50_ms']:.1f} | {w['p99_ms']:.1f} | {w['created']:,}"
            f" | {w['errors']} | {'yes' if w['gapless'] else '**no**'} |"
        )
    fp = results["main"]["footprint"]
    lines += [
        "",
        "## 5. Footprint",
        "",
        f"- Resident memory of the worker: {fp['idle_rss_mb']:.0f} MiB idle,"
        f" {fp['loaded_rss_mb']:.0f} MiB after the loads above.",
        f"- Database connections held by the worker after the loads: {fp['db_connections']}"
        f" (pool maximum {fp['pool_max']}).",
        "",
        *own_section("large", plan, results["large"], pg_version),
        *own_section("books", plan, results["books"], pg_version),
    ]
    return "\n".join(lines)


SECTIONS = {
    "large": (large.report_section, "large", "about ten minutes"),
    "books": (books.report_section, "books", "about fifteen minutes"),
}


def own_section(name: str, plan: Plan, results: dict[str, Any], pg_version: str) -> list[str]:
    """A section with its own machine line: `--only-large` or `--only-books` rewrites it
    alone, under the other sections' older date."""
    make, attribute, duration = SECTIONS[name]
    m = machine()
    section = make(getattr(plan, attribute), results)
    return [
        section[0],
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        + (" in quick mode (not a measurement)" if plan.quick else "")
        + f" on {m['cpu']}, {m['cores']} cores, {m['memory']}; PostgreSQL {pg_version};"
        " the server as above. Reproduce with `make bench`, or this section alone with"
        f" `python -m bench --only-{name}` ({duration}).",
        *section[1:],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="tiny data and short runs")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument(
        "--only-large",
        action="store_true",
        help="only the large-workspace case, its section replaced in the existing report",
    )
    parser.add_argument(
        "--only-books",
        action="store_true",
        help="only the books (posting, reports), their section replaced in the existing report",
    )
    args = parser.parse_args()
    only = "large" if args.only_large else "books" if args.only_books else None
    plan = QUICK if args.quick else FULL
    output = args.output or (
        ROOT / ".atlas" / "bench-quick.md" if plan.quick else ROOT / "docs" / "performance.md"
    )
    superuser, embedded = postgres_server()
    try:
        pg_version = sql(superuser, "SHOW server_version")[0][0]
        measures = {"large": measure_large, "books": measure_books}
        if only:
            results = {only: measures[only](superuser, plan)}
        else:
            results = {
                "main": measure_isolation_and_efficiency(superuser, plan, embedded),
                "scaling": measure_scaling(superuser, plan),
                "large": measure_large(superuser, plan),
                "books": measure_books(superuser, plan),
            }
    finally:
        if embedded is not None:
            embedded.stop()
    if only:
        section = own_section(only, plan, results[only], pg_version)
        text = large.splice(output.read_text() if output.exists() else "", section)
    else:
        text = report(plan, results, pg_version)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(text)
    print(f"\nwritten to {output}")
