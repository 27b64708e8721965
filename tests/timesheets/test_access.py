"""The five cases of every time-entry endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with both workspaces' rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests import access
from tests.timesheets.helpers import Tenant, snapshot

Body = Callable[[Tenant], dict[str, Any]] | None


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    body: Body = None
    denied: tuple[str, ...] = ()
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(entry=tenant.entry["id"])

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.body(tenant) if self.body else None


MANAGERS = ("viewer", "member")
# Members write their own time only: the tenant's entry belongs to the owner's employee.
ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/time-entries",
        lambda t: {
            "employee_id": str(t.employee["id"]),
            "project_id": t.project["id"],
            "entry_date": "2026-03-03",
            "hours": "1.5",
        },
        MANAGERS,
        201,
    ),
    Endpoint("GET", "/api/v1/time-entries"),
    Endpoint("GET", "/api/v1/time-entries/{entry}"),
    Endpoint("PATCH", "/api/v1/time-entries/{entry}", lambda t: {"hours": "1"}, MANAGERS),
    Endpoint("DELETE", "/api/v1/time-entries/{entry}", None, MANAGERS, 204),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)


def test_foreign_references_in_bodies_are_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """A project, employee or task of another workspace named in a body: 422."""
    owner, ws = tenant_a.owner, tenant_a.ws
    entry = {"entry_date": "2026-03-04", "hours": "1"}
    on_project = owner.post(
        "/api/v1/time-entries", ws=ws, json={**entry, "project_id": tenant_b.project["id"]}
    )
    assert (on_project.status_code, on_project.json()["error"]["code"]) == (
        422,
        "project_not_found",
    )
    as_employee = owner.post(
        "/api/v1/time-entries",
        ws=ws,
        json={
            **entry,
            "project_id": tenant_a.project["id"],
            "employee_id": str(tenant_b.employee["id"]),
        },
    )
    assert (as_employee.status_code, as_employee.json()["error"]["code"]) == (
        422,
        "employee_not_found",
    )
    on_task = owner.post(
        "/api/v1/time-entries",
        ws=ws,
        json={**entry, "project_id": tenant_a.project["id"], "task_id": tenant_b.task["id"]},
    )
    assert (on_task.status_code, on_task.json()["error"]["code"]) == (422, "task_not_in_project")
