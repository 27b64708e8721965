"""The session cookie and the client's address: shared by the JSON API and the pages."""

from __future__ import annotations

from fastapi import Request, Response

from atlas.config import Settings
from atlas.identity import service
from atlas.proxies import client_ip
from atlas.tenancy.guard import SESSION_COOKIE


def client_of(request: Request) -> service.Client:
    return service.Client(
        ip_address=client_ip(request),
        user_agent=(request.headers.get("user-agent") or "")[:500] or None,
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
