"""Rate limits over real HTTP, on servers with small limits, counting in memory and in Redis."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import pytest

from atlas.config import Settings
from tests.apikeys.helpers import new_key, with_key
from tests.factories import PASSWORD, Actor, Factory
from tests.limits.conftest import SMALL_LIMITS, STORES, limited_app
from tests.process import serve_app
from tests.web.helpers import Browser, text

# Any workspace route counts: the guard calls the limit once it knows the workspace.
ROUTE = "/api/v1/members"


@pytest.fixture(scope="module", params=STORES)
def limited(request: pytest.FixtureRequest, database: Settings, redis_prefix: str) -> Iterator[str]:
    app = limited_app(database, request.param, redis_prefix)
    with serve_app(app) as url:
        yield url


@pytest.fixture
def http(limited: str) -> Iterator[httpx.Client]:
    """An API client keeping no cookies: a session cookie would sign its calls in."""
    no_cookies = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
    with httpx.Client(base_url=limited, cookies=no_cookies, timeout=30) as c:
        yield c


def from_ip() -> dict[str, str]:
    """A client address of its own (the suite trusts X-Forwarded-For from 127.0.0.1)."""
    return {"X-Forwarded-For": f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}


def email() -> str:
    return f"rl-{secrets.token_hex(5)}@example.com"


def sign_in(http: httpx.Client, address: str, ip: dict[str, str]) -> httpx.Response:
    return http.post(
        "/api/v1/auth/sign-in", json={"email": address, "password": "wrong password"}, headers=ip
    )


def assert_rate_limited(resp: httpx.Response) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"]["code"] == "rate_limited"
    assert set(resp.json()["error"]) == {"code", "message", "details"}
    assert 1 <= int(resp.headers["retry-after"]) <= SMALL_LIMITS["rate_limit_window_seconds"]


def test_sign_in_is_limited_per_ip_and_other_ips_are_not(http: httpx.Client) -> None:
    ip = from_ip()
    for _ in range(SMALL_LIMITS["rate_limit_auth_per_ip"]):
        assert sign_in(http, email(), ip).status_code == 401
    assert_rate_limited(sign_in(http, email(), ip))
    assert sign_in(http, email(), from_ip()).status_code == 401


def test_sign_in_is_limited_per_account_from_one_ip_not_for_the_owner_elsewhere(
    http: httpx.Client,
) -> None:
    target, attacker = email(), from_ip()
    for _ in range(SMALL_LIMITS["rate_limit_auth_per_account"]):
        assert sign_in(http, target, attacker).status_code == 401
    assert_rate_limited(sign_in(http, target.upper(), attacker))
    # Requests from elsewhere do not use up the owner's: guessing across addresses is
    # bounded by the failed sign-in throttle per account (tests/identity).
    assert sign_in(http, target, from_ip()).status_code == 401
    assert sign_in(http, email(), from_ip()).status_code == 401  # other accounts still may try


def test_sign_up_and_password_reset_are_limited_per_account_across_ips(
    http: httpx.Client,
) -> None:
    target = email()
    for _ in range(SMALL_LIMITS["rate_limit_auth_per_account"]):
        resp = http.post(
            "/api/v1/auth/password-reset/request", json={"email": target}, headers=from_ip()
        )
        assert resp.status_code == 202
    assert_rate_limited(
        http.post("/api/v1/auth/password-reset/request", json={"email": target}, headers=from_ip())
    )
    body = {"email": target, "password": PASSWORD, "name": "Rate Limited"}
    for _ in range(SMALL_LIMITS["rate_limit_auth_per_account"]):
        assert http.post("/api/v1/auth/sign-up", json=body, headers=from_ip()).status_code == 202
    assert_rate_limited(http.post("/api/v1/auth/sign-up", json=body, headers=from_ip()))


def test_sign_up_is_limited_per_ip(http: httpx.Client) -> None:
    ip = from_ip()
    for _ in range(SMALL_LIMITS["rate_limit_auth_per_ip"]):
        body = {"email": email(), "password": PASSWORD, "name": "Rate Limited"}
        assert http.post("/api/v1/auth/sign-up", json=body, headers=ip).status_code == 202
    body = {"email": email(), "password": PASSWORD, "name": "Rate Limited"}
    assert_rate_limited(http.post("/api/v1/auth/sign-up", json=body, headers=ip))
    assert http.post("/api/v1/auth/sign-up", json=body, headers=from_ip()).status_code == 202


def as_actor(actor: Actor, ws: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}


def invite(
    http: httpx.Client, actor: Actor, ws: dict[str, object], ip: dict[str, str]
) -> httpx.Response:
    headers = {**as_actor(actor, ws), **ip}
    return http.post("/api/v1/invitations", json={"email": email()}, headers=headers)


def test_invitations_are_limited_per_account(http: httpx.Client, factory: Factory) -> None:
    owner, other = factory.user(), factory.user()
    ws, other_ws = factory.workspace(owner), factory.workspace(other)
    for _ in range(SMALL_LIMITS["rate_limit_invitations_per_account"]):
        resp = invite(http, owner, ws, from_ip())
        assert resp.status_code == 201, resp.text
    assert_rate_limited(invite(http, owner, ws, from_ip()))
    assert invite(http, other, other_ws, from_ip()).status_code == 201


def test_invitations_are_limited_per_ip_across_accounts(
    http: httpx.Client, factory: Factory
) -> None:
    ip = from_ip()
    senders = [factory.user() for _ in range(SMALL_LIMITS["rate_limit_auth_per_ip"])]
    for sender in senders:  # one each: no account reaches its own limit
        resp = invite(http, sender, factory.workspace(sender), ip)
        assert resp.status_code == 201, resp.text
    late = factory.user()
    late_ws = factory.workspace(late)
    assert_rate_limited(invite(http, late, late_ws, ip))
    assert invite(http, late, late_ws, from_ip()).status_code == 201


def test_api_requests_are_limited_per_workspace(http: httpx.Client, factory: Factory) -> None:
    owner, member = factory.user(), factory.user()
    ws, other_ws = factory.workspace(owner), factory.workspace(owner)
    factory.add_member(ws, member, "member")
    for actor in [owner, member, owner]:  # the budget is the workspace's, whoever calls
        assert http.get(ROUTE, headers=as_actor(actor, ws)).status_code == 200
    assert_rate_limited(http.get(ROUTE, headers=as_actor(member, ws)))
    assert http.get(ROUTE, headers=as_actor(owner, other_ws)).status_code == 200


def test_a_member_cannot_spend_the_whole_workspace_budget(
    http: httpx.Client, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    viewer = factory.member(ws, "viewer")
    for _ in range(SMALL_LIMITS["rate_limit_api_per_member"]):
        assert http.get(ROUTE, headers=as_actor(viewer, ws)).status_code == 200
    for _ in range(SMALL_LIMITS["rate_limit_api_per_workspace"] * 3):  # refused: not counted
        assert_rate_limited(http.get(ROUTE, headers=as_actor(viewer, ws)))
    assert http.get(ROUTE, headers=as_actor(owner, ws)).status_code == 200
    viewer_elsewhere = factory.workspace(viewer)  # the count is per workspace, too
    assert http.get(ROUTE, headers=as_actor(viewer, viewer_elsewhere)).status_code == 200


def test_an_api_key_has_a_budget_of_its_own(
    database: Settings, redis_prefix: str, factory: Factory
) -> None:
    app = limited_app(
        database,
        "memory",
        redis_prefix,
        rate_limit_api_per_key=2,
        rate_limit_api_per_member=5,
        rate_limit_api_per_workspace=0,
    )
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(2):
            assert with_key(http, key["secret"], "GET", ROUTE).status_code == 200
        assert_rate_limited(with_key(http, key["secret"], "GET", ROUTE))
        # Its creator's own requests still have their budget (5, of which the key used 2).
        assert http.get(ROUTE, headers=as_actor(owner, ws)).status_code == 200


def test_api_limits_of_zero_are_off(
    database: Settings, redis_prefix: str, factory: Factory
) -> None:
    app = limited_app(
        database,
        "memory",
        redis_prefix,
        rate_limit_api_per_workspace=0,
        rate_limit_api_per_member=0,
    )
    owner = factory.user()
    ws = factory.workspace(owner)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(SMALL_LIMITS["rate_limit_api_per_workspace"] + 2):
            assert http.get(ROUTE, headers=as_actor(owner, ws)).status_code == 200


def test_unreachable_redis_lets_requests_through(database: Settings, redis_prefix: str) -> None:
    app = limited_app(database, "memory", redis_prefix, redis_url="redis://127.0.0.1:1/0")
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        ip = from_ip()
        for _ in range(SMALL_LIMITS["rate_limit_auth_per_ip"] + 2):
            assert sign_in(http, email(), ip).status_code == 401


def test_the_sign_in_page_shares_the_api_limit(limited: str) -> None:
    browser = Browser(limited)
    ip = from_ip()
    target = email()
    assert SMALL_LIMITS["rate_limit_auth_per_account"] == 2
    form = {"email": target, "password": "wrong password"}
    assert browser.post("/sign-in", form, headers=ip).status_code == 401
    with httpx.Client(base_url=limited) as api:  # the API spends the same budget
        assert sign_in(api, target, ip).status_code == 401
    refused = browser.post("/sign-in", {"email": target, "password": "x" * 10}, headers=ip)
    assert refused.status_code == 429
    assert "Too many requests; try again later." in text(refused)
    browser.close()
