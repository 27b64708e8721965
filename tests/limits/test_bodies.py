"""Body size limits (413) and garbage bodies: 4xx in our error shape, nothing internal."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from atlas.config import Settings
from atlas.limits.body import BodySizeLimit
from tests.factories import Factory
from tests.limits.conftest import SMALL_LIMITS, limited_app
from tests.process import serve_app

LIMIT = SMALL_LIMITS["max_body_bytes"]
SIGN_IN = "/api/v1/auth/sign-in"


@pytest.fixture(scope="module")
def small_bodies(database: Settings, redis_prefix: str) -> Iterator[str]:
    with serve_app(
        limited_app(database, "memory", redis_prefix, rate_limit_auth_per_ip=1000)
    ) as url:
        yield url


@pytest.fixture
def http(small_bodies: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=small_bodies, timeout=30) as c:
        yield c


def sign_in_body(size: int) -> bytes:
    """A sign-in JSON body of exactly `size` bytes (padded with blanks)."""
    body = json.dumps({"email": f"body-{secrets.token_hex(4)}@example.com", "password": "x" * 12})
    return b"{" + b" " * (size - len(body)) + body[1:].encode()


def chunks(body: bytes, size: int = 500) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


JSON = {"Content-Type": "application/json"}


def assert_too_large(resp: httpx.Response) -> None:
    assert resp.status_code == 413, resp.text
    assert resp.json() == {
        "error": {
            "code": "payload_too_large",
            "message": f"The request body is larger than {LIMIT} bytes.",
            "details": [],
        }
    }


def test_a_body_at_the_limit_is_served(http: httpx.Client) -> None:
    assert len(sign_in_body(LIMIT)) == LIMIT
    assert http.post(SIGN_IN, content=sign_in_body(LIMIT), headers=JSON).status_code == 401


def test_a_declared_length_over_the_limit_gets_413(http: httpx.Client) -> None:
    assert_too_large(http.post(SIGN_IN, content=sign_in_body(LIMIT + 1), headers=JSON))


def test_a_chunked_body_over_the_limit_gets_413(http: httpx.Client) -> None:
    resp = http.post(SIGN_IN, content=chunks(sign_in_body(LIMIT * 2)), headers=JSON)
    assert resp.request.headers["transfer-encoding"] == "chunked"
    assert_too_large(resp)


def test_a_small_chunked_body_is_served(http: httpx.Client) -> None:
    resp = http.post(SIGN_IN, content=chunks(sign_in_body(LIMIT - 10)), headers=JSON)
    assert resp.request.headers["transfer-encoding"] == "chunked"
    assert resp.status_code == 401


def test_the_middleware_stops_reading_past_the_limit() -> None:
    """Streamed in 100-byte chunks, a 10 kB body is read up to the chunk passing 250 bytes."""
    pending = [{"type": "http.request", "body": b"x" * 100, "more_body": True} for _ in range(100)]
    read: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        read.append(pending.pop(0))
        return read[-1]

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass

    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodySizeLimit(app, max_bytes=250)(scope, receive, send))
    assert len(read) == 3
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"


# --- garbage --------------------------------------------------------------------------------

LEAKS = ("Traceback", "SELECT", "asyncpg", "password_hash", 'File "')

GARBAGE: dict[str, bytes] = {
    "invalid json": b'{"name": "unterminated',
    "not an object": b"[1, 2, 3]",
    "wrong types": b'{"email": 12, "password": ["x"], "name": {"a": 1}, "code": true}',
    "huge numbers": b'{"name": "n", "code": "AB12", "budget": 1' + b"0" * 400 + b"}",
    "huge float": b'{"name": "n", "code": "AB12", "budget": 1e400, "quantity": -1e400}',
    "nul bytes": b'{"email": "a\\u0000b@example.com", "password": "p\\u0000ssword12",'
    b' "name": "N\\u0000L", "code": "AB\\u0000"}',
    "invalid utf-8": b'{"name": "\xff\xfe\xfd", "email": "\xc3\x28@example.com"}',
    "deep nesting": b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
}

ROUTES = [
    "/api/v1/auth/sign-up",
    "/api/v1/auth/sign-in",
    "/api/v1/workspaces",
    "/api/v1/invitations",
    "/api/v1/projects",
    "/api/v1/customers",
    "/api/v1/departments",
]


@pytest.mark.parametrize("kind", GARBAGE)
def test_garbage_bodies_get_4xx_in_our_shape_and_reveal_nothing(
    kind: str, client: httpx.Client, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for route in ROUTES:
        resp = client.post(
            route,
            content=GARBAGE[kind],
            headers={
                "Authorization": f"Bearer {owner.token}",
                "X-Workspace-Id": str(ws["id"]),
                "X-Forwarded-For": f"192.0.2.{secrets.randbelow(254) + 1}",
                **JSON,
            },
        )
        assert 400 <= resp.status_code < 500, (route, resp.status_code, resp.text)
        assert set(resp.json()) == {"error"}, (route, resp.text)
        assert set(resp.json()["error"]) == {"code", "message", "details"}
        assert not [leak for leak in LEAKS if leak in resp.text], (route, resp.text)


def test_malformed_json_answers_422(client: httpx.Client) -> None:
    resp = client.post(SIGN_IN, content=b'{"email": ', headers=JSON)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_error"
