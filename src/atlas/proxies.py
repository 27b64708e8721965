"""The client's address behind reverse proxies (ATLAS_TRUSTED_PROXIES).

The only place that reads `X-Forwarded-For` / `Forwarded`: a pure ASGI middleware that
replaces `scope["client"]` with the forwarding chain's right-most address that is not a
trusted proxy, and only when the direct peer is one. Rate limits, the sign-in throttle,
sessions and the audit trail then read it through `client_ip` and see the real client.
Everything a client writes into the header lies left of what our proxies appended, so
walking from the right stops before it. Uvicorn's own proxy handling is turned off where
the app is served, so this is the only one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ProxyHeader = Literal["x-forwarded-for", "forwarded"]
SCHEMES = frozenset({"http", "https"})


def client_ip(request: Request) -> str | None:
    """The client's IP address (as this middleware left it), in its one spelling; None when
    the peer has no IP address (a Unix socket, an in-process test client). Counters keyed by
    address then count all such clients together; the audit trail and sessions record none."""
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


def _address(value: str) -> IPAddress | None:
    """An IP address from a header's node: `1.2.3.4`, `1.2.3.4:80`, `[::1]:80` or `::1`."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, setting: str) -> TrustedProxies:
        """`10.0.0.1, 10.8.0.0/16, ::1` (empty: none); anything else is refused at start."""
        networks = []
        for item in filter(None, (part.strip() for part in setting.split(","))):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"ATLAS_TRUSTED_PROXIES: {item!r} is not an IP address or network"
                ) from None
        return cls(tuple(networks))

    def __contains__(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def client_of(self, chain: list[str]) -> IPAddress | None:
        """The right-most untrusted address of a forwarding chain (left: the origin).

        A node that is no IP address (`unknown`, an obfuscated name, garbage) ends the
        walk with no answer: what lies left of it cannot be vouched for.
        """
        address = None
        for node in reversed(chain):
            address = _address(node)
            if address is None:
                return None
            if address not in self:
                return address
        return address  # every hop a proxy of ours: the left-most one made the request


def _header_values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """Every element of every `name` header, in order (repeated headers are one list)."""
    return [
        element
        for key, value in headers
        if key == name
        for element in value.decode("latin-1").split(",")
    ]


def _forwarded_pairs(element: str) -> dict[str, str]:
    """`for=1.2.3.4;proto=https` as {"for": "1.2.3.4", "proto": "https"} (RFC 7239)."""
    pairs = (pair.partition("=") for pair in element.split(";"))
    return {key.strip().lower(): value.strip().strip('"') for key, _, value in pairs}


class ForwardedClient:
    """Sets the client (and scheme) a trusted proxy forwarded; a no-op without proxies."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies, header: ProxyHeader) -> None:
        self.app = app
        self.proxies = proxies
        self.header = header

    def _forwarded(self, scope: Scope) -> tuple[IPAddress | None, str | None]:
        headers = scope["headers"]
        if self.header == "forwarded":
            elements = [_forwarded_pairs(e) for e in _header_values(headers, b"forwarded")]
            client = self.proxies.client_of([e.get("for", "") for e in elements])
            protos = [e["proto"] for e in elements if "proto" in e]
        else:
            client = self.proxies.client_of(_header_values(headers, b"x-forwarded-for"))
            protos = _header_values(headers, b"x-forwarded-proto")
        # The scheme our nearest proxy was reached by is the last one written.
        return client, protos[-1].strip().lower() if protos else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "http" and self.proxies.networks and peer:
            address = _address(peer[0])
            if address is not None and address in self.proxies:
                client, scheme = self._forwarded(scope)
                if client is not None:
                    scope["client"] = (str(client), 0)
                if scheme in SCHEMES:
                    scope["scheme"] = scheme
        await self.app(scope, receive, send)
