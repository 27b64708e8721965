"""The five cases of every journal endpoint, over real HTTP (see tests/access.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.factories import Factory
from tests.finance.helpers import new_customer
from tests.ledger.journal_helpers import Tenant, line, new_tenant, rent, snapshot

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
        return self.path.format(entry=tenant.entry["id"], draft=tenant.draft["id"])

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body(tenant) if self.body else None


ENDPOINTS = [
    Endpoint("GET", "/api/v1/journal-entries"),
    Endpoint("POST", "/api/v1/journal-entries", lambda t: rent(t.codes), success=201),
    Endpoint("GET", "/api/v1/journal-entries/{entry}"),
    Endpoint("POST", "/api/v1/journal-entries/{entry}/reverse", lambda t: {}, success=201),
    Endpoint("POST", "/api/v1/journal-drafts", lambda t: rent(t.codes), success=201),
    Endpoint("GET", "/api/v1/journal-drafts"),
    Endpoint("GET", "/api/v1/journal-drafts/{draft}"),
    Endpoint("PATCH", "/api/v1/journal-drafts/{draft}", lambda t: {"memo": "Changed"}),
    Endpoint("DELETE", "/api/v1/journal-drafts/{draft}", success=204),
    Endpoint("POST", "/api/v1/journal-drafts/{draft}/post", success=201),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)


@pytest.mark.parametrize("path", ["/api/v1/journal-entries", "/api/v1/journal-drafts"])
def test_another_workspaces_account_or_customer_in_a_body_is_refused(
    factory: Factory, tenant_a: Tenant, tenant_b: Tenant, path: str
) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    before = snapshot(factory.sql, ws)
    foreign_account = rent(tenant_a.codes)
    foreign_account["lines"][1] = line(tenant_b.codes["1110"], credit="100.00")
    resp = owner.post(path, ws=ws, json=foreign_account)
    assert (resp.status_code, access.error_code(resp)) == (422, "account_not_found")
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["lines.1.account_id"]
    customer = new_customer(tenant_b.owner, tenant_b.ws)
    foreign_customer = rent(tenant_a.codes)
    foreign_customer["lines"][0]["customer_id"] = customer["id"]
    resp = owner.post(path, ws=ws, json=foreign_customer)
    assert (resp.status_code, access.error_code(resp)) == (422, "customer_not_found")
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["lines.0.customer_id"]
    assert snapshot(factory.sql, ws) == before
