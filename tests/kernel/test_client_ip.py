"""`atlas.proxies.client_ip`: the client's address, or None when the peer has none."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from atlas.proxies import client_ip


def request_from(client: tuple[str, int] | None) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "client": client})


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (("203.0.113.9", 5000), "203.0.113.9"),
        (("2001:db8:0:0::1", 5000), "2001:db8::1"),  # one spelling per address
        (("testclient", 50000), None),  # not an address: an in-process test client
        (("", 0), None),
        (None, None),  # a Unix socket has no peer address
    ],
)
def test_client_ip(client: tuple[str, int] | None, expected: str | None) -> None:
    assert client_ip(request_from(client)) == expected
