"""The five access cases of GET /api/v1/audit-events, over real HTTP; no route writes.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; member and viewer
(without `audit:read`) -> 403; admin, the lowest role with it -> 200; another workspace's
ids find nothing. The trail has no route to create, edit or delete an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import access
from tests.audit.helpers import URL, events, stored
from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str = "GET"
    path: str = URL
    denied: tuple[str, ...] = ("viewer", "member")
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return None


@dataclass
class Tenant:
    """A workspace with its owner and a project with a task: a trail of a few events."""

    ws: dict[str, Any]
    owner: Actor
    project: dict[str, Any]
    task: dict[str, Any]


def _tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    return Tenant(ws, owner, project, new_task(owner, ws, project))


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return _tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return _tenant(factory)


def snapshot(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    return stored(sql, ws)


LIST = Endpoint()


def test_anonymous_gets_401(client: httpx.Client, tenant_a: Tenant) -> None:
    access.check_anonymous_gets_401(client, tenant_a, LIST)


def test_non_member_naming_the_workspace_gets_404(
    factory: Factory, sql: Sql, tenant_a: Tenant
) -> None:
    access.check_non_member_gets_404(factory, sql, snapshot, tenant_a, LIST)


@pytest.mark.parametrize("role", LIST.denied)
def test_role_without_audit_read_gets_403(
    factory: Factory, sql: Sql, tenant_a: Tenant, role: str
) -> None:
    access.check_role_gets_403(factory, sql, snapshot, tenant_a, LIST, role)


def test_admin_lists_the_trail(factory: Factory, tenant_a: Tenant) -> None:
    assert LIST.lowest_allowed_role == "admin"
    admin = factory.member(tenant_a.ws, "admin")
    access.check_succeeds(admin, tenant_a, LIST)
    page = events(admin, tenant_a.ws, entity_id=tenant_a.task["id"])
    assert [e["action"] for e in page["items"]] == ["task.created"]


def test_another_workspaces_entity_id_finds_nothing(tenant_a: Tenant, tenant_b: Tenant) -> None:
    assert events(tenant_b.owner, tenant_b.ws, entity_id=tenant_b.task["id"])["total"] == 1
    page = events(tenant_a.owner, tenant_a.ws, entity_id=tenant_b.task["id"])
    assert (page["items"], page["total"]) == ([], 0)


def test_a_workspaces_page_holds_only_its_own_events(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    page = events(tenant_a.owner, tenant_a.ws)
    own = {str(row["id"]) for row in stored(sql, tenant_a.ws)}
    theirs = {str(row["id"]) for row in stored(sql, tenant_b.ws)}
    assert theirs
    assert {e["id"] for e in page["items"]} == own
    assert page["total"] == len(own)
    assert {e["entity_id"] for e in page["items"]} >= {
        tenant_a.project["id"],
        tenant_a.task["id"],
    }


WRITES = [
    pytest.param(method, path, id=f"{method} {path}")
    for path in (URL, URL + "/{event}")
    for method in ("POST", "PUT", "PATCH", "DELETE")
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_no_route_writes_the_trail(sql: Sql, tenant_a: Tenant, method: str, path: str) -> None:
    before = stored(sql, tenant_a.ws)
    assert before
    url = path.format(event=before[0]["id"])
    body = {"action": "project.deleted", "changes": {}}
    resp = tenant_a.owner.request(method, url, ws=tenant_a.ws, json=body)
    assert resp.status_code in (404, 405), resp.text
    assert stored(sql, tenant_a.ws) == before
