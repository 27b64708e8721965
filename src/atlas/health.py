"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from atlas.db.migrate import head_revision
from atlas.errors import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_ERRORS

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready"}})
async def readyz(request: Request) -> Any:
    """The database answers and its schema is at the migration head.

    Gives up after the pool's acquire timeout, so a database that is down or cut off
    answers 503 quickly; the pool reconnects by itself once it is back.
    """
    head = head_revision()
    timeout = request.app.state.settings.db_acquire_timeout_seconds
    try:
        async with request.app.state.pool.acquire(timeout=timeout) as conn:
            current = await conn.fetchval(
                "SELECT version_num FROM alembic_version", timeout=timeout
            )
    except DATABASE_UNAVAILABLE_ERRORS:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "migration": current, "head": head},
            status_code=503,
        )
    return {"status": "ok", "database": "ok", "migration": current}
