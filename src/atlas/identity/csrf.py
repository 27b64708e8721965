"""CSRF tokens bound to the session, and the check every cookie-authenticated write passes.

Signed in, the token is an HMAC of the session token's hash under a key derived from the
signing key: it belongs to that one session, and a cookie/token pair planted by another
site (a sibling subdomain can set cookies for ours) fails, since nobody without the key
can make a token for a session. Signed out (the sign-in, sign-up and reset forms), the
token is the HMAC of a random pre-session cookie, `atlas_csrf`: a planted cookie comes
with no valid token. Besides the token, an `Origin` header, when sent, must be this site.

The pages check this for every state-changing request (`web/security.py`); the JSON API
checks it in `ApiCsrfMiddleware` for every unsafe request that carries the session
cookie and no Authorization header, whatever the route, so no route can forget it.
Bearer calls are not cookie-authenticated and need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from atlas.credentials import token_hash
from atlas.errors import error_body
from atlas.tenancy.guard import SESSION_COOKIE

CSRF_COOKIE = "atlas_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"

API_MESSAGE = (
    "A request signed in by the session cookie needs the X-CSRF-Token header "
    "(GET /api/v1/auth/csrf-token gives it) and must come from this site."
)


def _mac(connection: HTTPConnection, purpose: bytes, value: bytes) -> str:
    signing_key: str = connection.app.state.signing_key
    # A key of its own, so that no token can ever serve as a workspace token's signature.
    key = hmac.new(signing_key.encode(), b"atlas-erp:csrf", hashlib.sha256).digest()
    return hmac.new(key, purpose + b":" + value, hashlib.sha256).hexdigest()


def session_token(connection: HTTPConnection, session: str) -> str:
    """The CSRF token of the session whose (cookie) token is `session`."""
    return _mac(connection, b"session", token_hash(session))


def pre_session_token(connection: HTTPConnection, cookie: str) -> str:
    """The CSRF token of a signed-out browser holding the pre-session cookie `cookie`."""
    return _mac(connection, b"pre-session", cookie.encode())


def new_pre_session_cookie() -> str:
    return secrets.token_urlsafe(32)


def expected_token(connection: HTTPConnection) -> str | None:
    """The token a page request must carry: its session's, else its pre-session cookie's."""
    session = connection.cookies.get(SESSION_COOKIE)
    if session is not None:
        return session_token(connection, session)
    cookie = connection.cookies.get(CSRF_COOKIE)
    return pre_session_token(connection, cookie) if cookie else None


def is_cookie_authenticated(connection: HTTPConnection) -> bool:
    """The guard's rule: the session cookie counts only when no Authorization header is sent."""
    return SESSION_COOKIE in connection.cookies and "authorization" not in connection.headers


def _same_origin(connection: HTTPConnection) -> bool:
    origin = connection.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == connection.headers.get("host", "")


def is_valid(connection: HTTPConnection, expected: str | None, sent: str | None) -> bool:
    """Whether the sent token is the expected one and the request comes from this site."""
    if not expected or not sent:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 403).
    return hmac.compare_digest(expected.encode(), sent.encode()) and _same_origin(connection)


def api_token(connection: HTTPConnection) -> str | None:
    """The token an API client signed in by the cookie sends; None for other callers."""
    if not is_cookie_authenticated(connection):
        return None
    return session_token(connection, connection.cookies[SESSION_COOKIE])


class ApiCsrfMiddleware:
    """Refuses unsafe /api/ requests signed in by the session cookie without the session's
    token in X-CSRF-Token or from another site: 403 `csrf_failed`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and scope["path"].startswith(API_PREFIX)
        ):
            connection = HTTPConnection(scope)
            if is_cookie_authenticated(connection) and not is_valid(
                connection, api_token(connection), connection.headers.get(CSRF_HEADER)
            ):
                refusal = JSONResponse(error_body("csrf_failed", API_MESSAGE), status_code=403)
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
