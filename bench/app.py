"""The server under test: the shipped app plus two bench-only routes (never shipped).

- `GET /bench/baseline/projects?workspace_id=…`: the same service call and response model
  as `GET /api/v1/projects`, with no guard, no transaction and no row-level security —
  its SQL runs on `bench_projects` / `bench_tasks`, un-policied copies of the tables.
  `mode=tx` adds the request transaction with the tenant context, `mode=guard` the
  guard's database call too: the steps between the baseline and the shipped route.
- `GET /bench/raw/projects`: the shipped request's database work — one transaction, the
  guard's `atlas_request_context` call, the same list query — on raw asyncpg, answered
  with `json.dumps` of the rows, with no FastAPI dependency injection or Pydantic.

With `ATLAS_BENCH_WITHOUT_POSTING=1`, documents post nothing to the books (the posting
bench's baseline: what an invoice issue costs without its journal entry).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.routing import Match

from atlas.app import create_server_app
from atlas.credentials import token_hash
from atlas.ledger import service as ledger
from atlas.pagination import Page, PageParams, PageRequest
from atlas.projects import schemas, service
from atlas.projects.repository import ProjectsRepository
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import REQUEST_CONTEXT_SQL
from atlas.tenancy.permissions import permissions_of

UNPOLICIED = re.compile(r"\b(FROM|JOIN|INTO|UPDATE)\s+(projects|tasks)\b")


class UnpoliciedConnection:
    """Runs the repository's own SQL against the un-policied copies of the tables."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @staticmethod
    def _rewrite(sql: str) -> str:
        return UNPOLICIED.sub(lambda m: f"{m.group(1)} bench_{m.group(2)}", sql)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self.conn.fetch(self._rewrite(sql), *args)  # type: ignore[no-any-return]

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(self._rewrite(sql), *args)


router = APIRouter(prefix="/bench")


@asynccontextmanager
async def _transaction(conn: Any) -> AsyncIterator[None]:
    """BEGIN/COMMIT as the shipped request transaction issues them (atlas.db.pool)."""
    await conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


@router.get("/baseline/projects")
async def baseline_projects(
    workspace_id: uuid.UUID,
    request: Request,
    page: PageParams,
    mode: Literal["plain", "tx", "guard"] = "plain",
) -> Page[schemas.Project]:
    """`plain`: no transaction; `tx`: a transaction with the tenant context set; `guard`:
    a transaction opened by the guard's `atlas_request_context` call, as shipped."""
    ctx = WorkspaceContext(
        workspace_id=workspace_id,
        workspace_slug="bench",
        workspace_name="bench",
        user_id=uuid.UUID(int=0),
        role="owner",
        permissions=permissions_of("owner"),
        request_id=request.state.request_id,
    )
    filters = schemas.ProjectFilters()
    async with request.app.state.pool.acquire() as conn:
        db: Any = UnpoliciedConnection(conn)
        if mode == "plain":
            return await service.list_projects(ctx, db, filters, page)
        async with _transaction(conn):
            if mode == "tx":
                await conn.execute(
                    "SELECT set_config('app.workspace_id', $1, true)", str(workspace_id)
                )
            else:
                settings = request.app.state.settings
                await conn.fetchrow(
                    REQUEST_CONTEXT_SQL,
                    token_hash(request.headers["authorization"].removeprefix("Bearer ")),
                    None,
                    str(workspace_id),
                    settings.session_ttl_seconds,
                    settings.session_refresh_seconds,
                    request.state.request_id,
                    None,
                    None,
                )
            return await service.list_projects(ctx, db, filters, page)


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


async def raw_projects(request: Request) -> Response:
    settings = request.app.state.settings
    token = request.headers["authorization"].removeprefix("Bearer ")
    async with request.app.state.pool.acquire() as conn, _transaction(conn):
        caller = await conn.fetchrow(
            REQUEST_CONTEXT_SQL,
            token_hash(token),
            None,
            request.headers.get("x-workspace-id"),
            settings.session_ttl_seconds,
            settings.session_refresh_seconds,
            request.state.request_id,
            None,
            None,
        )
        if caller is None or caller["member_role"] is None:
            return Response(status_code=404)
        rows, total = await ProjectsRepository(conn, caller["workspace_id"]).list(
            statuses=[], q=None, sort=None, page=PageRequest(limit=20, offset=0)
        )
    items = [{k: _jsonable(v) for k, v in row.items() if k != "total_rows"} for row in rows]
    body = json.dumps({"items": items, "total": total}, default=str)
    return Response(body, media_type="application/json")


async def _post_nothing(*_: Any) -> None:
    return None


def create_bench_app() -> FastAPI:
    if os.environ.get("ATLAS_BENCH_WITHOUT_POSTING") == "1":
        ledger.post = _post_nothing  # type: ignore[assignment]
    app = create_server_app()
    app.include_router(router)
    app.add_route("/bench/raw/projects", raw_projects, methods=["GET"])
    # Starlette tries routes in order: the bench routes go just before the one that answers
    # the shipped projects list, so that every variant pays the same for finding its route
    # (after everything else they would also pay for trying every page route).
    routes = app.router.routes
    bench, rest = routes[-2:], routes[:-2]
    probe = {"type": "http", "method": "GET", "path": "/api/v1/projects", "root_path": ""}
    at = next(i for i, r in enumerate(rest) if r.matches(probe)[0] == Match.FULL)
    routes[:] = [*rest[:at], *bench, *rest[at:]]
    return app
