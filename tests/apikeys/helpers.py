"""Making workspace API keys in tests, and calling the API with one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.access import Rows, table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql


def new_key(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    grant = {} if "permissions" in fields or "role" in fields else {"role": "member"}
    body = {"name": "CI deploys", **grant, **fields}
    resp = actor.post("/api/v1/api-keys", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    key: dict[str, Any] = resp.json()
    return key


def with_key(http: httpx.Client, secret: str, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}", **kw.pop("headers", {})}
    return http.request(method, path, headers=headers, **kw)


@dataclass
class Tenant:
    """A workspace with its owner and one API key."""

    ws: dict[str, Any]
    owner: Actor
    key: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    return Tenant(ws, owner, new_key(owner, ws, role="viewer"))


def snapshot(sql: Sql, ws: dict[str, Any]) -> Rows:
    return table_snapshot(sql, ws, ["api_keys"])
