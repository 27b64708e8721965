"""The five cases of the chart-of-accounts and books-settings endpoints, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with both workspaces' rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.factories import Factory
from tests.ledger.accounts_helpers import Tenant, chart, new_tenant, snapshot
from tests.sql import Sql

Body = Callable[[Tenant], dict[str, Any]] | None


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return new_tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return new_tenant(factory)


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    body: Body = None
    denied: tuple[str, ...] = ("viewer", "member")
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(account=tenant.account["id"], spare=tenant.spare["id"])

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body(tenant) if self.body else None


ENDPOINTS = [
    Endpoint("GET", "/api/v1/accounts"),
    Endpoint("GET", "/api/v1/accounts/tree"),
    Endpoint("GET", "/api/v1/accounts/{account}"),
    Endpoint(
        "POST",
        "/api/v1/accounts",
        lambda t: {"code": "4950", "name": "Grants", "type": "income"},
        success=201,
    ),
    Endpoint("PATCH", "/api/v1/accounts/{account}", lambda t: {"name": "Renamed"}),
    Endpoint("DELETE", "/api/v1/accounts/{spare}", success=204),
    Endpoint("GET", "/api/v1/books"),
    Endpoint("PUT", "/api/v1/books/lock-date", lambda t: {"lock_date": "2020-12-31"}),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)


def test_a_parent_of_another_workspace_is_refused(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """A group of another workspace named as the parent: 422, and nothing is written."""
    owner, ws = tenant_a.owner, tenant_a.ws
    foreign_group = chart(tenant_b.owner, tenant_b.ws)["6000"]
    before = snapshot(sql, ws), snapshot(sql, tenant_b.ws)
    created = owner.post(
        "/api/v1/accounts",
        ws=ws,
        json={"code": "6950", "name": "X", "type": "expense", "parent_id": foreign_group["id"]},
    )
    moved = owner.patch(
        f"/api/v1/accounts/{tenant_a.account['id']}",
        ws=ws,
        json={"parent_id": foreign_group["id"]},
    )
    for resp in (created, moved):
        assert resp.status_code == 422
        assert resp.json()["error"]["code"] == "invalid_parent"
        assert resp.json()["error"]["details"] == [
            {"field": "parent_id", "message": "not an account of this workspace"}
        ]
    assert (snapshot(sql, ws), snapshot(sql, tenant_b.ws)) == before
