"""The five cases of every API key endpoint, over real HTTP (owners and admins manage
keys: `api-keys:manage`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.apikeys.helpers import Tenant, new_tenant, snapshot
from tests.factories import Factory


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
    denied: tuple[str, ...] = ("viewer", "member")
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(key=tenant.key["id"])

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body


ENDPOINTS = [
    Endpoint("POST", "/api/v1/api-keys", {"name": "New", "role": "viewer"}, success=201),
    Endpoint("GET", "/api/v1/api-keys"),
    Endpoint("GET", "/api/v1/api-keys/{key}"),
    Endpoint("POST", "/api/v1/api-keys/{key}/revoke"),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)
