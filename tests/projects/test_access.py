"""The five cases of every project and task endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with that workspace's rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from atlas.config import Settings
from atlas.credentials import issue_workspace_token
from tests import access
from tests.factories import Factory
from tests.projects.helpers import Tenant, snapshot


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    body: dict[str, Any] | None = None
    denied: tuple[str, ...] = ()
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(
            project=tenant.project["id"], task=tenant.task["id"], key=tenant.task["key"]
        )

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body


MANAGERS_ONLY = ("viewer", "member")
CONTRIBUTORS = ("viewer",)
ENDPOINTS = [
    Endpoint("POST", "/api/v1/projects", {"code": "NEW1", "name": "New"}, MANAGERS_ONLY, 201),
    Endpoint("GET", "/api/v1/projects"),
    Endpoint("GET", "/api/v1/projects/{project}"),
    Endpoint("PATCH", "/api/v1/projects/{project}", {"name": "Renamed"}, MANAGERS_ONLY),
    Endpoint("DELETE", "/api/v1/projects/{project}", None, MANAGERS_ONLY, 204),
    Endpoint("POST", "/api/v1/projects/{project}/tasks", {"title": "New"}, CONTRIBUTORS, 201),
    Endpoint("GET", "/api/v1/projects/{project}/tasks"),
    Endpoint("GET", "/api/v1/tasks"),
    Endpoint("GET", "/api/v1/tasks/{task}"),
    Endpoint("GET", "/api/v1/tasks/by-key/{key}"),
    Endpoint("PATCH", "/api/v1/tasks/{task}", {"title": "Renamed"}, CONTRIBUTORS),
    Endpoint("DELETE", "/api/v1/tasks/{task}", None, CONTRIBUTORS, 204),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)


def test_viewer_reads_but_writes_nothing(factory: Factory, tenant_a: Tenant) -> None:
    viewer = factory.member(tenant_a.ws, "viewer")
    project = viewer.get(f"/api/v1/projects/{tenant_a.project['id']}", ws=tenant_a.ws)
    task = viewer.get(f"/api/v1/tasks/{tenant_a.task['id']}", ws=tenant_a.ws)
    assert project.json()["code"] == tenant_a.project["code"]
    assert task.json()["key"] == tenant_a.task["key"]


def test_without_header_the_sessions_active_workspace_decides(
    factory: Factory, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The tenant comes from the auth context, never from the URL."""
    sql = factory.sql
    session = tenant_a.owner.get("/api/v1/auth/session").json()["session"]["id"]
    sql.owner(
        "UPDATE sessions SET active_workspace_id = %s WHERE id = %s", tenant_a.ws["id"], session
    )
    listed = tenant_a.owner.get("/api/v1/projects")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [tenant_a.project["id"]]
    other = tenant_a.owner.get(f"/api/v1/projects/{tenant_b.project['id']}")
    assert other.status_code == 404


def test_a_workspace_token_picks_the_workspace(
    client: httpx.Client, database: Settings, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    assert database.secret_key is not None
    session = tenant_a.owner.get("/api/v1/auth/session").json()["session"]["id"]
    token, _ = issue_workspace_token(
        database.secret_key.get_secret_value(),
        user_id=tenant_a.owner.id,
        session_id=uuid.UUID(session),
        workspace_id=tenant_a.ws["id"],
        ttl=60,
    )
    bearer = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/tasks", headers=bearer)
    assert [t["id"] for t in listed.json()["items"]] == [tenant_a.task["id"]]
    assert client.get(f"/api/v1/tasks/{tenant_b.task['id']}", headers=bearer).status_code == 404
    mismatch = client.get(
        "/api/v1/tasks", headers={**bearer, "X-Workspace-Id": str(tenant_b.ws["id"])}
    )
    assert mismatch.status_code == 403
    assert mismatch.json()["error"]["code"] == "workspace_mismatch"
