"""The asyncpg pool of the runtime app role, and the check that it cannot bypass RLS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any, cast

import asyncpg
from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from atlas.config import Settings
from atlas.db.sql import quote_ident
from atlas.errors import DATABASE_UNAVAILABLE_ERRORS, database_unavailable

# What a broken or unreachable connection raises on a statement that cannot otherwise fail
# (BEGIN, ROLLBACK) or on release; InternalClientError: a connection whose server sent a
# FATAL error and is about to close it is stuck mid-protocol.
_CONNECTION_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


class UnsafeRuntimeRole(RuntimeError):
    """The runtime role could read or write past row-level security."""


async def configure_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


# On Citus, SET LOCAL reaches every worker of the transaction only with this setting (the
# guard sets the tenant context with SET LOCAL); plain PostgreSQL keeps it as an unused
# placeholder. Every connection of the app role has it.
CONTEXT_PROPAGATION = {"citus.propagate_set_commands": "local"}


async def connect(url: str) -> asyncpg.Connection:
    """One connection outside the pool (the demo loader, the operator export)."""
    conn = await asyncpg.connect(url, server_settings=CONTEXT_PROPAGATION)
    await configure_connection(conn)
    return conn


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's RESET ALL round trip.

    Requests change no session state: the tenant context is transaction-local
    (SET LOCAL), and asyncpg still rolls back any open transaction on release.
    """


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        init=configure_connection,
        reset=_keep_session,
        command_timeout=settings.statement_timeout_ms / 1000 + 5,
        # A connection attempt to a database that does not answer gives up as an acquire does.
        timeout=settings.db_acquire_timeout_seconds,
        server_settings={
            **CONTEXT_PROPAGATION,
            "application_name": "atlas-erp",
            "statement_timeout": str(settings.statement_timeout_ms),
            "idle_in_transaction_session_timeout": str(settings.statement_timeout_ms * 2),
        },
    )
    assert pool is not None
    return pool


ROLE_CHECK = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls,
       (SELECT array_agg(c.relname::text ORDER BY c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
           AND pg_has_role(current_user, c.relowner, 'MEMBER')) AS owned,
       (SELECT array_agg(c.relname::text ORDER BY c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[])
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity)) AS unprotected
  FROM pg_roles r WHERE r.rolname = current_user
"""


async def verify_runtime_role(conn: asyncpg.Connection, tenant_tables: list[str]) -> None:
    """Refuse to run as a role that row-level security would not hold (`tenant_tables`:
    the names of the tables that must have forced RLS, from `atlas.schema`)."""
    row = await conn.fetchrow(ROLE_CHECK, tenant_tables)
    assert row is not None
    problems = []
    if row["rolsuper"]:
        problems.append("it is a superuser")
    if row["rolbypassrls"]:
        problems.append("it has BYPASSRLS")
    if row["owned"]:
        problems.append(f"it owns (or may act as the owner of) tables: {', '.join(row['owned'])}")
    if row["unprotected"]:
        problems.append(f"tables lack forced row-level security: {', '.join(row['unprotected'])}")
    if problems:
        raise UnsafeRuntimeRole(
            f"refusing to serve as database role '{row['rolname']}': "
            + "; ".join(problems)
            + ". Run the server as the non-owner app role (ATLAS_APP_DATABASE_URL)."
        )


@asynccontextmanager
async def transaction(
    pool: asyncpg.Pool, give_up_after: float
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside BEGIN … COMMIT (ROLLBACK on any error).

    Getting the connection and its BEGIN each give up after `give_up_after` seconds with 503
    `database_unavailable`: a database that is down, restarting or cut off fails the
    request fast instead of holding it. An error after which the connection cannot even
    roll back (it was killed, or the server went away) answers the same; the broken
    connection is closed, and the pool opens a new one for the next request.

    Plain BEGIN/COMMIT rather than `Connection.transaction()`, whose bookkeeping costs more
    than the statements themselves on this hot path; a nested block uses an explicit
    SAVEPOINT (see `savepoint`).
    """
    try:
        # asyncio.timeout rather than acquire(timeout=…), whose wait_for runs the
        # acquisition in a task of its own: one task more per request.
        async with asyncio.timeout(give_up_after):
            acquired = await pool.acquire()
    except DATABASE_UNAVAILABLE_ERRORS as exc:
        raise database_unavailable() from exc
    conn = cast(asyncpg.Connection, acquired)
    try:
        try:
            await conn.execute("BEGIN", timeout=give_up_after)
        except _CONNECTION_ERRORS as exc:
            _discard(conn)
            raise database_unavailable() from exc
        try:
            yield conn
            await conn.execute("COMMIT")
        except Exception as exc:
            if not await _rolled_back(conn, give_up_after):
                # The connection broke under the request (killed, server gone): whatever it
                # raised, the transaction is lost and a retry may succeed.
                raise database_unavailable() from exc
            raise
        except BaseException:
            await _rolled_back(conn, give_up_after)
            raise
    finally:
        # A connection that cannot be reset in time is closed by the pool; the request's
        # own outcome (committed or not) stands.
        with suppress(*_CONNECTION_ERRORS):
            await pool.release(acquired, timeout=give_up_after)


async def _rolled_back(conn: asyncpg.Connection, give_up_after: float) -> bool:
    """ROLLBACK; False (and the connection closed, never reused) if it is broken."""
    try:
        await conn.execute("ROLLBACK", timeout=give_up_after)
    except _CONNECTION_ERRORS:
        _discard(conn)
        return False
    return True


def _discard(conn: asyncpg.Connection) -> None:
    """Closes a broken connection so that the pool never hands it out again."""
    with suppress(asyncpg.InterfaceError):  # already closed: the pool took it back itself
        conn.terminate()


class TransactionRoute(APIRoute):
    """Runs each request of the route in one transaction, committed before the response
    is sent: a 2xx means the write is durable. (A route class rather than a generator
    dependency, which costs FastAPI an exit stack per request.)"""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_transaction(request: Request) -> Response:
            give_up_after = request.app.state.settings.db_acquire_timeout_seconds
            async with transaction(request.app.state.pool, give_up_after) as conn:
                request.state.db = conn
                return await handler(request)

        return in_transaction


class StreamingTransactionRoute(APIRoute):
    """Like `TransactionRoute`, for answers read while they are sent (the lists' CSV
    downloads): a `StreamingResponse` keeps the request's transaction, and with it the
    tenant context, open until its body is sent or the client has gone; any other answer
    (an error page, a redirect) ends it first, as `TransactionRoute` does."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_transaction(request: Request) -> Response:
            give_up_after = request.app.state.settings.db_acquire_timeout_seconds
            async with AsyncExitStack() as stack:
                request.state.db = await stack.enter_async_context(
                    transaction(request.app.state.pool, give_up_after)
                )
                response = await handler(request)
                if not isinstance(response, StreamingResponse):
                    return response
                return _SentInTransaction(response, stack.pop_all())

        return in_transaction


class _SentInTransaction(Response):
    """A streamed response whose request transaction ends once it is sent: committed, or
    rolled back if sending fails or is cut off."""

    def __init__(self, streamed: StreamingResponse, open_transaction: AsyncExitStack) -> None:
        # Not Response.__init__: the streamed response sends its own status, headers and body.
        self.status_code = streamed.status_code
        self.raw_headers = streamed.raw_headers
        self.background = None
        self.streamed = streamed
        self.open_transaction = open_transaction

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.open_transaction:
            await self.streamed(scope, receive, send)


async def request_connection(request: Request) -> asyncpg.Connection:
    """The request transaction's connection (routes of `TransactionRoute` routers)."""
    conn: asyncpg.Connection | None = getattr(request.state, "db", None)
    if conn is None:
        raise RuntimeError(f"{request.url.path}: its router needs route_class=TransactionRoute")
    return conn


@asynccontextmanager
async def savepoint(db: asyncpg.Connection, name: str) -> AsyncIterator[None]:
    """A nested block inside the request transaction: an error rolls back this block only."""
    await db.execute(f"SAVEPOINT {quote_ident(name)}")
    try:
        yield
    except BaseException:
        await db.execute(f"ROLLBACK TO SAVEPOINT {quote_ident(name)}")
        raise
    await db.execute(f"RELEASE SAVEPOINT {quote_ident(name)}")
