"""The router every group of pages uses: one transaction per request, CSRF on writes,
HTML responses, and nothing in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from atlas.db.pool import TransactionRoute
from atlas.web.security import verify_csrf


def page_router() -> APIRouter:
    return APIRouter(
        route_class=TransactionRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(verify_csrf)],
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after signing in; anything else goes to `default`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target
