"""Failed sign-ins are throttled per (account, IP), per IP and per account, with bounds such
that failures from elsewhere do not keep the owner out of their own account.

The policy is tested on `SignInThrottles` itself for every dimension and bound, and over
real HTTP on a server whose client addresses a test header sets (so that the test does not
depend on which proxies the app trusts).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from atlas.app import create_app
from atlas.config import Settings
from atlas.identity.service import SignInThrottles
from tests.factories import PASSWORD, Factory
from tests.process import serve_app

OWNER = "owner@example.com"
CLIENT_HEADER = b"x-test-client-ip"


def throttles() -> SignInThrottles:
    return SignInThrottles.from_settings(Settings(environment="test"))


def fail(t: SignInThrottles, email: str, ip: str, times: int) -> None:
    for _ in range(times):
        t.record_failure(email, ip)


def test_the_defaults_are_five_per_account_and_ip_twenty_per_ip_a_hundred_per_account() -> None:
    settings = Settings(environment="test")
    assert settings.signin_max_failures == 5
    assert settings.signin_max_failures_per_ip == 20
    assert settings.signin_max_failures_per_account == 100
    assert settings.signin_window_seconds == 900


def test_failures_from_one_ip_do_not_block_the_owner_elsewhere() -> None:
    t = throttles()
    fail(t, OWNER, "203.0.113.1", 4)
    assert t.retry_after(OWNER, "203.0.113.1") == 0  # the edge: four failures, still allowed
    t.record_failure(OWNER, "203.0.113.1")
    assert 899 <= t.retry_after(OWNER, "203.0.113.1") <= 900  # one past: blocked
    assert t.retry_after(OWNER, "198.51.100.7") == 0
    assert t.retry_after("someone@example.com", "203.0.113.1") == 0


def test_an_ip_is_blocked_after_twenty_failures_across_accounts() -> None:
    t = throttles()
    for n in range(19):
        t.record_failure(f"guess-{n}@example.com", "203.0.113.2")
    assert t.retry_after("next@example.com", "203.0.113.2") == 0
    t.record_failure("guess-19@example.com", "203.0.113.2")
    assert t.retry_after("next@example.com", "203.0.113.2") > 0
    assert t.retry_after("next@example.com", "203.0.113.3") == 0


def test_an_account_is_blocked_after_a_hundred_failures_across_ips() -> None:
    t = throttles()
    for n in range(99):
        t.record_failure(OWNER, f"10.0.{n // 250}.{n % 250}")
    assert t.retry_after(OWNER, "198.51.100.7") == 0
    t.record_failure(OWNER, "10.9.9.9")
    assert t.retry_after(OWNER, "198.51.100.7") > 0
    assert t.retry_after("someone@example.com", "198.51.100.7") == 0


def test_a_success_clears_its_pair_but_not_the_ip_or_the_account() -> None:
    t = throttles()
    fail(t, OWNER, "203.0.113.4", 4)
    t.record_success(OWNER, "203.0.113.4")
    fail(t, OWNER, "203.0.113.4", 4)
    assert t.retry_after(OWNER, "203.0.113.4") == 0  # the four before the success are gone
    for n in range(12):  # 8 + 12 = 20 failures from this IP: the success did not clear them
        t.record_failure(f"guess-{n}@example.com", "203.0.113.4")
    assert t.retry_after("new@example.com", "203.0.113.4") > 0


def client_ip_from_header(app: ASGIApp) -> ASGIApp:
    """The app, seeing the client address that the test header names."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            ip = dict(scope["headers"]).get(CLIENT_HEADER)
            if ip is not None:
                scope = {**scope, "client": (ip.decode(), 40000)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def addressed(database: Settings) -> Iterator[str]:
    with serve_app(client_ip_from_header(create_app(database))) as url:  # type: ignore[arg-type]
        yield url


def sign_in(base: str, email: str, password: str, ip: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/auth/sign-in",
        json={"email": email, "password": password},
        headers={CLIENT_HEADER.decode(): ip},
        timeout=30,
    )


def test_five_failures_from_one_ip_block_that_ip_but_not_the_owner_elsewhere(
    addressed: str, factory: Factory
) -> None:
    owner = factory.user()
    for _ in range(5):
        failed = sign_in(addressed, owner.email, "wrong password", "203.0.113.50")
        assert failed.status_code == 401, failed.text
        assert failed.json()["error"]["code"] == "invalid_credentials"
    blocked = sign_in(addressed, owner.email, PASSWORD, "203.0.113.50")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "sign_in_throttled"
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    home = sign_in(addressed, owner.email, PASSWORD, "198.51.100.50")
    assert home.status_code == 200, home.text
    assert home.json()["user"]["id"] == str(owner.id)


def test_a_success_from_an_ip_clears_its_failures_on_that_account(
    addressed: str, factory: Factory
) -> None:
    owner = factory.user()
    for _ in range(4):
        assert sign_in(addressed, owner.email, "wrong password", "203.0.113.60").status_code == 401
    assert sign_in(addressed, owner.email, PASSWORD, "203.0.113.60").status_code == 200
    for _ in range(4):
        assert sign_in(addressed, owner.email, "wrong password", "203.0.113.60").status_code == 401
    assert sign_in(addressed, owner.email, PASSWORD, "203.0.113.60").status_code == 200
