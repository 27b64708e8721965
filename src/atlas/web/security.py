"""Security of the pages: response headers for every response, and CSRF for every form.

Every page puts the CSRF token (`atlas.identity.csrf`: bound to the session, or signed
out to the `atlas_csrf` pre-session cookie, SameSite=Strict, HttpOnly) into its forms
(`csrf_token` field) and into HTMX requests (`X-CSRF-Token` header, from the
`<body hx-headers>`). A state-changing request to a page route must carry it, and an
`Origin` header, when sent, must be this site. The session cookie itself is SameSite=Lax
and HttpOnly.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.errors import Forbidden
from atlas.identity import csrf
from atlas.web.i18n import N_

CSRF_FIELD = "csrf_token"

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
# The one exception a route may claim: content named by its hash, for members only (the
# workspace's logo). The browser of who fetched it may keep it; no shared cache may.
PRIVATE_IMMUTABLE = "private, max-age=31536000, immutable"


def _private_immutable(headers: list[tuple[bytes, bytes]]) -> bool:
    return (NO_STORE[0], PRIVATE_IMMUTABLE.encode()) in [(n.lower(), v) for n, v in headers]


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, pages and API alike, and
    `Cache-Control: no-store` to all but static assets and PRIVATE_IMMUTABLE answers."""

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
                if not scope["path"].startswith(CACHEABLE_PREFIX) and not _private_immutable(
                    headers
                ):
                    headers = [(n, v) for n, v in headers if n.lower() != NO_STORE[0]]
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The token the request's forms carry; signed out without the pre-session cookie, the
    token of a new one, which `render.finish` sets."""
    token = csrf.expected_token(request)
    if token is not None:
        return token
    cookie = getattr(request.state, "new_csrf_cookie", None)
    if cookie is None:
        cookie = csrf.new_pre_session_cookie()
        request.state.new_csrf_cookie = cookie
    return csrf.pre_session_token(request, cookie)


async def verify_csrf(request: Request) -> None:
    """A dependency of every page route: unsafe methods need the form's or header's token."""
    if request.method in csrf.SAFE_METHODS:
        return
    sent = request.headers.get(csrf.CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf.is_valid(request, csrf.expected_token(request), sent):
        raise Forbidden(
            N_(
                "This form has expired or did not come from this site;"
                " reload the page and try again."
            ),
            code="csrf_failed",
        )
