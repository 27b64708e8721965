"""Security of the pages: response headers for every response, and CSRF for every form.

CSRF uses a double-submit token: a random `atlas_csrf` cookie (SameSite=Strict, HttpOnly)
whose value every page puts into its forms (`csrf_token` field) and into HTMX requests
(`X-CSRF-Token` header, from the `<body hx-headers>`). A state-changing request to a page
route must carry the same value, and an `Origin` header, when sent, must be this site.
The session cookie itself is SameSite=Lax and HttpOnly.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.errors import Forbidden

CSRF_COOKIE = "atlas_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


# Every answer but a static asset may carry a token, a session or personal data: no cache
# (shared or the browser's) may keep it. A rule by exception, so no new route is forgotten.
NO_STORE = (b"cache-control", b"no-store")
CACHEABLE_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, pages and API alike, and
    `Cache-Control: no-store` to all but static assets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                if not scope["path"].startswith(CACHEABLE_PREFIX):
                    headers = [(n, v) for n, v in headers if n.lower() != NO_STORE[0]]
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_token", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    return token


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def verify_csrf(request: Request) -> None:
    """A dependency of every page route: unsafe methods need the form's or header's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if (
        not expected
        or not sent
        or not hmac.compare_digest(expected, sent)
        or not _same_origin(request)
    ):
        raise Forbidden(
            "This form has expired or did not come from this site; reload the page and try again.",
            code="csrf_failed",
        )
