"""The database going away: requests fail with 503 `database_unavailable`, readiness says so,
the pool reconnects by itself once it is back, and a killed connection leaves nothing
half-written. (How fast they fail is measured by `bench/faults.py`, not here.)"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from atlas.app import create_app
from atlas.config import Settings
from atlas.db.embedded import free_port
from tests.citus import plain_postgresql_only
from tests.factories import Actor, Factory
from tests.process import serve_app
from tests.sql import Sql


class Proxy:
    """A TCP proxy in front of PostgreSQL (on TCP, or the embedded one's Unix socket) that
    can be cut (every connection dropped, the port refusing) and restored on the same
    port: the database "goes away"."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        socket_dir = url.query.get("host")  # the embedded server: `?host=<folder>&port=<n>`
        self.socket = f"{socket_dir}/.s.PGSQL.{url.query['port']}" if socket_dir else None
        self.target = (url.host, url.port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def _link(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.socket is not None:
            server_r, server_w = await asyncio.open_unix_connection(self.socket)
        else:
            server_r, server_w = await asyncio.open_connection(*self.target)
        self.links |= {client_w, server_w}
        await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))

    async def _open(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            writer.transport.abort()
        self.links.clear()

    def open(self) -> None:
        self._call(self._open())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def serving(settings: Settings) -> AbstractContextManager[str]:
    """The app on its own uvicorn server in a thread; yields its base URL."""
    return serve_app(create_app(settings))


@pytest.fixture
def proxy(database: Settings) -> Iterator[Proxy]:
    p = Proxy(database.runtime_url())
    p.open()
    yield p
    p.close()


@pytest.fixture
def behind_proxy(database: Settings, proxy: Proxy) -> Iterator[str]:
    """The app whose pool reaches PostgreSQL only through `proxy`."""
    direct = make_url(database.runtime_url()).difference_update_query(["host", "port"])
    app_url = direct.set(host="127.0.0.1", port=proxy.port)
    settings = database.model_copy(
        update={
            "app_database_url": app_url.render_as_string(hide_password=False),
            "db_acquire_timeout_seconds": 2.0,
        }
    )
    with serving(settings) as base:
        yield base


def _assert_database_unavailable(resp: httpx.Response) -> None:
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"]["code"] == "database_unavailable"
    assert resp.headers["retry-after"] == "5"


def _eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_cut_off_database_answers_503_and_the_pool_recovers(
    behind_proxy: str, proxy: Proxy, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    headers = {"Authorization": f"Bearer {owner.token}", "X-Workspace-Id": str(ws["id"])}
    with httpx.Client(base_url=behind_proxy, headers=headers, timeout=60) as http:
        assert http.get("/api/v1/projects").status_code == 200
        assert http.get("/readyz").status_code == 200

        proxy.cut()
        _assert_database_unavailable(http.get("/api/v1/projects"))
        _assert_database_unavailable(
            http.post("/api/v1/projects", json={"code": "DOWN", "name": "x"})
        )
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "unreachable"}

        proxy.open()  # no restart of the app: its pool reconnects
        assert _eventually(lambda: http.get("/readyz").status_code == 200)
        made = http.post("/api/v1/projects", json={"code": "BACK", "name": "Back again"})
        assert made.status_code == 201, made.text
        assert http.get(f"/api/v1/projects/{made.json()['id']}").status_code == 200


# --- a connection killed in the middle of a write ------------------------------------------

PAUSE = "fault-pause-" + secrets.token_hex(4)


MIDWAY_ON_ONE_NODE = plain_postgresql_only(
    "the pause is a trigger on the row's node and the killed backend the client's; on Citus "
    "the two are different nodes and the worker's backend sleeps on after the kill"
)


@pytest.fixture
def pausing_writes(sql: Sql) -> Iterator[None]:
    """Triggers that hold a task insert or an invoice line insert whose text is PAUSE,
    so that the request's backend can be killed after its earlier writes."""
    sql.owner(
        "CREATE FUNCTION test_fault_pause() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF to_jsonb(NEW)->>TG_ARGV[0] = TG_ARGV[1] THEN PERFORM pg_sleep(60); END IF;"
        " RETURN NEW; END $$"
    )
    for table, column in (("tasks", "title"), ("invoice_lines", "description")):
        sql.owner(
            f"CREATE TRIGGER test_fault_pause BEFORE INSERT ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION test_fault_pause('{column}', '{PAUSE}')"
        )
    try:
        yield
    finally:
        for table in ("tasks", "invoice_lines"):
            sql.owner(f"DROP TRIGGER test_fault_pause ON {table}")
        sql.owner("DROP FUNCTION test_fault_pause()")


def _killed_mid_request(sql: Sql, send: Callable[[], httpx.Response]) -> httpx.Response:
    """Sends the request, terminates its backend while it is paused, returns the answer."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(send)

        def paused() -> list[dict[str, Any]]:
            return sql.app(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = 'atlas-erp' AND wait_event = 'PgSleep'"
            )

        assert _eventually(lambda: bool(paused()))
        (backend,) = paused()
        assert sql.app("SELECT pg_terminate_backend(%s) AS done", backend["pid"])[0]["done"]
        return pending.result(timeout=60)


@pytest.mark.usefixtures("pausing_writes")
@MIDWAY_ON_ONE_NODE
def test_a_task_write_killed_midway_leaves_nothing(factory: Factory, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = owner.post("/api/v1/projects", ws=ws, json={"code": "KILL", "name": "K"}).json()
    first = owner.post(f"/api/v1/projects/{project['id']}/tasks", ws=ws, json={"title": "one"})
    assert first.status_code == 201, first.text

    resp = _killed_mid_request(
        sql,
        lambda: owner.post(f"/api/v1/projects/{project['id']}/tasks", ws=ws, json={"title": PAUSE}),
    )

    _assert_database_unavailable(resp)
    stored = sql.owner(
        "SELECT p.last_task_number, array_agg(t.title ORDER BY t.number) AS titles"
        " FROM projects p JOIN tasks t ON t.workspace_id = p.workspace_id AND t.project_id = p.id"
        " WHERE p.id = %s GROUP BY p.last_task_number",
        project["id"],
        workspace=ws["id"],
    )
    assert stored == [{"last_task_number": 1, "titles": ["one"]}]
    _still_serves(owner, ws, f"/api/v1/projects/{project['id']}/tasks", {"title": "two"})


@pytest.mark.usefixtures("pausing_writes")
@MIDWAY_ON_ONE_NODE
def test_an_invoice_write_killed_midway_leaves_nothing(factory: Factory, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = owner.post("/api/v1/customers", ws=ws, json={"name": "Kill Co"}).json()
    notes = f"killed {PAUSE}"

    def invoice(description: str) -> dict[str, Any]:
        line = {"description": description, "quantity": "2", "unit_price": "10.00"}
        return {"customer_id": customer["id"], "notes": notes, "lines": [line, line]}

    resp = _killed_mid_request(
        sql, lambda: owner.post("/api/v1/invoices", ws=ws, json=invoice(PAUSE))
    )

    _assert_database_unavailable(resp)
    assert _invoice_rows(sql, ws["id"]) == {"invoices": 0, "lines": 0}
    _still_serves(owner, ws, "/api/v1/invoices", invoice("fine"))
    assert _invoice_rows(sql, ws["id"]) == {"invoices": 1, "lines": 2}


def _invoice_rows(sql: Sql, ws_id: Any) -> dict[str, Any]:
    return sql.owner(
        "SELECT (SELECT count(*) FROM invoices) AS invoices,"
        " (SELECT count(*) FROM invoice_lines) AS lines",
        workspace=ws_id,
    )[0]


def _still_serves(actor: Actor, ws: dict[str, Any], path: str, body: dict[str, Any]) -> None:
    """The next write goes through: the pool replaced the killed connection."""
    made = actor.post(path, ws=ws, json=body)
    assert made.status_code == 201, made.text
