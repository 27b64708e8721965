"""The client's address: the peer's, unless the peer is a trusted proxy naming the client.

Rate limits, the sign-in throttle, sessions and the audit trail all read `request.client`,
so what is proved here holds for each of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from atlas.app import create_app
from atlas.config import Settings
from tests.audit.helpers import events, only
from tests.factories import PASSWORD, Actor, Factory
from tests.process import serve_app

SIGN_IN = "/api/v1/auth/sign-in"


@pytest.fixture
def direct(database: Settings) -> Iterator[str]:
    """A server that trusts no proxy (the default), with the API's own per-IP sign-in
    limit out of the way: only the failed sign-in throttle's per-IP count can refuse."""
    settings = database.model_copy(update={"trusted_proxies": ""})
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def behind_proxy(database: Settings) -> Iterator[str]:
    """A server whose clients (here: the tests, from 127.0.0.1) are a trusted proxy."""
    settings = database.model_copy(update={"trusted_proxies": "10.9.0.0/16, 127.0.0.1"})
    with serve_app(create_app(settings)) as url:
        yield url


def random_ip() -> str:
    return f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def test_a_rotating_x_forwarded_for_from_an_untrusted_peer_is_one_ip(direct: str) -> None:
    statuses, codes = [], []
    with httpx.Client(base_url=direct, timeout=30) as http:
        for _ in range(60):
            resp = http.post(
                SIGN_IN,
                json={"email": f"rotate-{secrets.token_hex(5)}@example.com", "password": "wrong"},
                headers={"X-Forwarded-For": random_ip(), "Forwarded": f"for={random_ip()}"},
            )
            statuses.append(resp.status_code)
            codes.append(resp.json()["error"]["code"])
            if resp.status_code == 429:
                assert int(resp.headers["retry-after"]) > 0
    allowed = statuses.count(401)
    assert 0 < allowed < 30, statuses
    assert statuses == [401] * allowed + [429] * (60 - allowed)
    assert set(codes[allowed:]) == {"sign_in_throttled"}


def test_the_server_records_the_peer_when_it_trusts_no_proxy(direct: str, factory: Factory) -> None:
    user = factory.user()
    with httpx.Client(base_url=direct, timeout=30) as http:
        signed_in = http.post(
            SIGN_IN,
            json={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.50"},
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["session"]["ip_address"] == "127.0.0.1"


def bearer(actor: Actor, ws: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}


def test_a_trusted_proxy_names_the_client_for_sessions_and_the_audit_trail(
    behind_proxy: str, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    client_ip = random_ip()
    # The client claims an address of its own; the proxies append what they saw.
    chain = {"X-Forwarded-For": f"203.0.113.9, {client_ip}, 10.9.3.4"}
    with httpx.Client(base_url=behind_proxy, timeout=30) as http:
        signed_in = http.post(
            SIGN_IN, json={"email": owner.email, "password": PASSWORD}, headers=chain
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["session"]["ip_address"] == client_ip
        created = http.post(
            "/api/v1/projects",
            json={"code": "PX" + secrets.token_hex(2).upper(), "name": "Behind a proxy"},
            headers={**bearer(owner, ws), **chain},
        )
        assert created.status_code == 201, created.text
    event = only(events(owner, ws, entity_id=created.json()["id"]))
    assert event["client_ip"] == client_ip


def test_a_trusted_proxy_counts_each_client_on_its_own(behind_proxy: str) -> None:
    with httpx.Client(base_url=behind_proxy, timeout=30) as http:
        for _ in range(30):
            resp = http.post(
                SIGN_IN,
                json={"email": f"spread-{secrets.token_hex(5)}@example.com", "password": "wrong"},
                headers={"X-Forwarded-For": random_ip()},
            )
            assert resp.status_code == 401, resp.text
