"""The five cases of every roles endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; a role id of another
workspace -> 404 with both workspaces' roles unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import access
from tests.factories import Factory
from tests.roles.helpers import Tenant, new_tenant, snapshot
from tests.sql import Sql


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
    body: dict[str, Any] | None = None
    denied: tuple[str, ...] = ()
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(role=tenant.role["id"])

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body


MANAGERS_ONLY = ("viewer", "member")
ENDPOINTS = [
    Endpoint("GET", "/api/v1/roles"),
    Endpoint(
        "POST",
        "/api/v1/roles",
        {"name": "new-role", "permissions": ["customers:read"]},
        MANAGERS_ONLY,
        201,
    ),
    Endpoint("GET", "/api/v1/roles/{role}"),
    Endpoint("PATCH", "/api/v1/roles/{role}", {"description": "Changed"}, MANAGERS_ONLY),
    Endpoint("DELETE", "/api/v1/roles/{role}", None, MANAGERS_ONLY, 204),
]
WITH_IDS = [e for e in ENDPOINTS if "{" in e.path]
DENIED = [pytest.param(e, role, id=f"{e}-{role}") for e in ENDPOINTS for role in e.denied]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_gets_401(client: httpx.Client, tenant_a: Tenant, endpoint: Endpoint) -> None:
    access.check_anonymous_gets_401(client, tenant_a, endpoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_non_member_naming_the_workspace_gets_404(
    factory: Factory, sql: Sql, tenant_a: Tenant, endpoint: Endpoint
) -> None:
    access.check_non_member_gets_404(factory, sql, snapshot, tenant_a, endpoint)


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=str)
def test_ids_of_another_workspace_are_not_found(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant, endpoint: Endpoint
) -> None:
    access.check_foreign_ids_are_not_found(sql, snapshot, tenant_a, tenant_b, endpoint)


@pytest.mark.parametrize(("endpoint", "role"), DENIED)
def test_role_without_the_permission_gets_403(
    factory: Factory, sql: Sql, tenant_a: Tenant, endpoint: Endpoint, role: str
) -> None:
    access.check_role_gets_403(factory, sql, snapshot, tenant_a, endpoint, role)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_lowest_role_with_the_permission_succeeds(
    factory: Factory, tenant_a: Tenant, endpoint: Endpoint
) -> None:
    user = factory.member(tenant_a.ws, endpoint.lowest_allowed_role)
    access.check_succeeds(user, tenant_a, endpoint)
