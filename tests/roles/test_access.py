"""The five cases of every roles endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; a role id of another
workspace -> 404 with both workspaces' roles unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.factories import Factory
from tests.roles.helpers import Tenant, new_tenant, snapshot


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
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)
