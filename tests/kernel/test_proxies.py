"""Which address the forwarded-client middleware gives the app, header by header."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from atlas.proxies import ForwardedClient, ProxyHeader, TrustedProxies


def forwarded(
    trusted: str, peer: str, headers: list[tuple[str, str]], header: ProxyHeader
) -> tuple[str, str]:
    """The client's host and the scheme the app sees for a request from `peer`."""
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(client=scope["client"], scheme=scope["scheme"])

    middleware = ForwardedClient(app, TrustedProxies.parse(trusted), header)
    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000),
        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers],
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        raise AssertionError("the middleware answers nothing itself")

    asyncio.run(middleware(scope, receive, send))
    return seen["client"][0], seen["scheme"]


XFF: ProxyHeader = "x-forwarded-for"


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("192.0.2.1", [("X-Forwarded-For", "198.51.100.1")], "192.0.2.1"),  # untrusted peer
        ("10.0.0.2", [("X-Forwarded-For", "198.51.100.1")], "198.51.100.1"),
        ("10.0.0.2", [("X-Forwarded-For", "1.1.1.1, 198.51.100.1, 10.0.0.3")], "198.51.100.1"),
        (
            "10.0.0.2",
            [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "198.51.100.1")],
            "198.51.100.1",
        ),
        ("10.0.0.2", [("X-Forwarded-For", "10.0.0.7, 10.0.0.3")], "10.0.0.7"),  # all trusted
        ("10.0.0.2", [("X-Forwarded-For", "198.51.100.1:4711")], "198.51.100.1"),
        ("10.0.0.2", [("X-Forwarded-For", "[2001:db8::1]:4711")], "2001:db8::1"),
        ("10.0.0.2", [("X-Forwarded-For", "1.1.1.1, not-an-ip")], "10.0.0.2"),
        ("10.0.0.2", [("X-Forwarded-For", "")], "10.0.0.2"),
        ("10.0.0.2", [("Forwarded", "for=198.51.100.1")], "10.0.0.2"),  # not the header read
    ],
)
def test_the_client_is_the_right_most_untrusted_address(
    peer: str, headers: list[tuple[str, str]], client: str
) -> None:
    assert forwarded("10.0.0.0/8", peer, headers, XFF)[0] == client


@pytest.mark.parametrize(
    ("value", "client"),
    [
        ("for=198.51.100.1;proto=https", "198.51.100.1"),
        ('for=1.1.1.1, for="[2001:db8::17]:4711";by=10.0.0.2', "2001:db8::17"),
        ("for=198.51.100.1, For=10.0.0.3", "198.51.100.1"),
        ("for=unknown", "10.0.0.2"),
        ("for=_hidden, for=198.51.100.1", "198.51.100.1"),
    ],
)
def test_the_forwarded_header_when_the_proxies_write_that_one(value: str, client: str) -> None:
    headers = [("Forwarded", value), ("X-Forwarded-For", "192.0.2.99")]
    assert forwarded("10.0.0.0/8", "10.0.0.2", headers, "forwarded")[0] == client


def test_the_scheme_comes_from_a_trusted_proxy_only() -> None:
    proto = [("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-Proto", "https")]
    assert forwarded("10.0.0.2", "10.0.0.2", proto, XFF) == ("198.51.100.1", "https")
    assert forwarded("10.0.0.2", "192.0.2.1", proto, XFF) == ("192.0.2.1", "http")
    assert forwarded("", "127.0.0.1", proto, XFF) == ("127.0.0.1", "http")


def test_a_malformed_trusted_proxy_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="ATLAS_TRUSTED_PROXIES"):
        TrustedProxies.parse("10.0.0.1, proxy.internal")
