"""The five access cases every module's endpoints are held to, and shared test helpers.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with both workspaces' rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.

Each module's test_access.py declares its endpoints (a dataclass with `method`, `path`,
`denied`, `success`, `url(tenant)` and `json(tenant)`) and a `snapshot(sql, ws)` of its
rows, provides `tenant_a` and `tenant_b` fixtures (tenants have `ws` and `owner`), and
gets the five tests from `five_cases`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import httpx
import pytest

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


Prepare = Callable[[Actor, Any, Any], None]


def five_cases(
    endpoints: Sequence[Any], snapshot: Snapshot, prepare: Prepare | None = None
) -> tuple[Callable[..., None], ...]:
    """The five test functions over `endpoints`, for a module to bind at top level.

    `prepare(user, tenant, endpoint)` readies the allowed user before the success case
    (e.g. links an employee to them).
    """
    with_ids = [e for e in endpoints if "{" in e.path]
    denied = [pytest.param(e, role, id=f"{e}-{role}") for e in endpoints for role in e.denied]

    @pytest.mark.parametrize("endpoint", endpoints, ids=str)
    def test_anonymous_gets_401(client: httpx.Client, tenant_a: Any, endpoint: Any) -> None:
        # A client of its own: factory.http keeps the cookie of the last user signed up.
        check_anonymous_gets_401(client, tenant_a, endpoint)

    @pytest.mark.parametrize("endpoint", endpoints, ids=str)
    def test_non_member_naming_the_workspace_gets_404(
        factory: Factory, sql: Sql, tenant_a: Any, endpoint: Any
    ) -> None:
        check_non_member_gets_404(factory, sql, snapshot, tenant_a, endpoint)

    @pytest.mark.parametrize("endpoint", with_ids, ids=str)
    def test_ids_of_another_workspace_are_not_found(
        sql: Sql, tenant_a: Any, tenant_b: Any, endpoint: Any
    ) -> None:
        check_foreign_ids_are_not_found(sql, snapshot, tenant_a, tenant_b, endpoint)

    @pytest.mark.parametrize(("endpoint", "role"), denied)
    def test_role_without_the_permission_gets_403(
        factory: Factory, sql: Sql, tenant_a: Any, endpoint: Any, role: str
    ) -> None:
        check_role_gets_403(factory, sql, snapshot, tenant_a, endpoint, role)

    @pytest.mark.parametrize("endpoint", endpoints, ids=str)
    def test_lowest_role_with_the_permission_succeeds(
        factory: Factory, tenant_a: Any, endpoint: Any
    ) -> None:
        user = factory.member(tenant_a.ws, endpoint.lowest_allowed_role)
        if prepare is not None:
            prepare(user, tenant_a, endpoint)
        check_succeeds(user, tenant_a, endpoint)

    return (
        test_anonymous_gets_401,
        test_non_member_naming_the_workspace_gets_404,
        test_ids_of_another_workspace_are_not_found,
        test_role_without_the_permission_gets_403,
        test_lowest_role_with_the_permission_succeeds,
    )
