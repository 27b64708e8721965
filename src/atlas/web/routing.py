"""The router every group of pages uses: one transaction per request, CSRF on writes,
HTML responses, and nothing in the OpenAPI document."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from atlas.db.pool import TransactionRoute
from atlas.web.security import verify_csrf

# What a local URL keeps as it is; everything else (spaces, non-ASCII) is percent-encoded.
URL_SAFE = "/?&=%#:@!$'()*+,;~"


def page_router() -> APIRouter:
    return APIRouter(
        route_class=TransactionRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(verify_csrf)],
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after signing in; anything else goes to `default`.

    Browsers read a backslash as a slash and drop tabs and line breaks from a URL (so
    "/\\evil" and "/<tab>/evil" lead to another site), and a line break would end the
    header: such targets are refused. The rest is sent percent-encoded (headers are ASCII).
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return default
    return quote(target, safe=URL_SAFE)
