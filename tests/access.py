"""The five access cases every module's endpoints are held to, and shared test helpers.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with both workspaces' rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.

Each module's test_access.py declares its endpoints (a dataclass with `method`, `path`,
`denied`, `success`, `url(tenant)` and `json(tenant)`) and a `snapshot(sql, ws)` of its
rows; its tenants have `ws` and `owner`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import httpx

from tests.factories import Actor, Factory
from tests.sql import Sql

ROLES = ("viewer", "member", "admin", "owner")

Rows = dict[str, list[dict[str, Any]]]
Snapshot = Callable[[Sql, dict[str, Any]], Any]


class Tenant(Protocol):
    @property
    def ws(self) -> dict[str, Any]: ...

    @property
    def owner(self) -> Actor: ...


class Endpoint(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def success(self) -> int: ...

    def url(self, tenant: Any) -> str: ...

    def json(self, tenant: Any) -> dict[str, Any] | None: ...


class EndpointNames:
    """`lowest_allowed_role` and the test id of an endpoint dataclass."""

    method: str
    path: str
    denied: tuple[str, ...]

    @property
    def lowest_allowed_role(self) -> str:
        return next(role for role in ROLES if role not in self.denied)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def table_snapshot(sql: Sql, ws: dict[str, Any], tables: Iterable[str]) -> Rows:
    """Every row of `tables` in `ws`, read as the owner role in that workspace."""
    return {
        table: sql.owner(
            f"SELECT * FROM {table} WHERE workspace_id = %s ORDER BY id",
            ws["id"],
            workspace=ws["id"],
        )
        for table in tables
    }


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def error_code(resp: Any) -> str:
    code: str = resp.json()["error"]["code"]
    return code


def check_anonymous_gets_401(client: httpx.Client, tenant: Tenant, endpoint: Endpoint) -> None:
    resp = client.request(
        endpoint.method,
        endpoint.url(tenant),
        headers={"X-Workspace-Id": str(tenant.ws["id"])},
        json=endpoint.json(tenant),
    )
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthenticated"


def check_non_member_gets_404(
    factory: Factory, sql: Sql, snapshot: Snapshot, tenant: Tenant, endpoint: Endpoint
) -> None:
    outsider = factory.user()
    _check_refused(outsider, sql, snapshot, tenant, endpoint, 404, "workspace_not_found")


def check_foreign_ids_are_not_found(
    sql: Sql, snapshot: Snapshot, tenant_a: Tenant, tenant_b: Tenant, endpoint: Endpoint
) -> None:
    """tenant_a's owner names tenant_b's ids (with tenant_a's body) in tenant_a."""
    before_a, before_b = snapshot(sql, tenant_a.ws), snapshot(sql, tenant_b.ws)
    resp = tenant_a.owner.request(
        endpoint.method, endpoint.url(tenant_b), ws=tenant_a.ws, json=endpoint.json(tenant_a)
    )
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    assert snapshot(sql, tenant_b.ws) == before_b
    assert snapshot(sql, tenant_a.ws) == before_a


def check_role_gets_403(
    factory: Factory, sql: Sql, snapshot: Snapshot, tenant: Tenant, endpoint: Endpoint, role: str
) -> None:
    user = factory.member(tenant.ws, role)
    _check_refused(user, sql, snapshot, tenant, endpoint, 403, "permission_denied")


def _check_refused(
    user: Actor,
    sql: Sql,
    snapshot: Snapshot,
    tenant: Tenant,
    endpoint: Endpoint,
    status: int,
    code: str,
) -> None:
    """`user` calls `endpoint` in the tenant's workspace: refused, and nothing changed."""
    before = snapshot(sql, tenant.ws)
    resp = user.request(
        endpoint.method, endpoint.url(tenant), ws=tenant.ws, json=endpoint.json(tenant)
    )
    assert resp.status_code == status
    assert resp.json()["error"]["code"] == code
    assert snapshot(sql, tenant.ws) == before


def check_succeeds(user: Actor, tenant: Tenant, endpoint: Endpoint) -> None:
    resp = user.request(
        endpoint.method, endpoint.url(tenant), ws=tenant.ws, json=endpoint.json(tenant)
    )
    assert resp.status_code == endpoint.success, resp.text
