"""The five cases of every HR endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with that workspace's rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests import access
from tests.factories import Actor, Factory
from tests.hr.helpers import Tenant, monday, new_employee, snapshot


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    body: dict[str, Any] | None = None
    denied: tuple[str, ...] = ()
    success: int = 200
    # The caller needs an employee linked to their membership (leave for oneself).
    linked: bool = False

    def _fill(self, text: str, tenant: Tenant) -> str:
        return text.format(
            department=tenant.department["id"],
            employee=tenant.employee["id"],
            leave_type=tenant.leave_type["id"],
            spare_leave_type=tenant.spare_leave_type["id"],
            request=tenant.leave_request["id"],
        )

    def url(self, tenant: Tenant) -> str:
        return self._fill(self.path, tenant)

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        if self.body is None:
            return None
        return {k: self._fill(v, tenant) if isinstance(v, str) else v for k, v in self.body.items()}


MANAGERS_ONLY = ("viewer", "member")
LEAVE_BODY = {
    "leave_type_id": "{leave_type}",
    "start_date": monday(20).isoformat(),
    "end_date": monday(20).isoformat(),
}
ENDPOINTS = [
    Endpoint("POST", "/api/v1/departments", {"code": "new", "name": "New"}, MANAGERS_ONLY, 201),
    Endpoint("GET", "/api/v1/departments"),
    Endpoint("GET", "/api/v1/departments/{department}"),
    Endpoint("PATCH", "/api/v1/departments/{department}", {"name": "Renamed"}, MANAGERS_ONLY),
    Endpoint("DELETE", "/api/v1/departments/{department}", None, MANAGERS_ONLY, 204),
    Endpoint(
        "POST",
        "/api/v1/employees",
        {"first_name": "N", "last_name": "E", "work_email": "new@corp.example.com"},
        MANAGERS_ONLY,
        201,
    ),
    Endpoint("GET", "/api/v1/employees"),
    Endpoint("GET", "/api/v1/employees/{employee}"),
    Endpoint("PATCH", "/api/v1/employees/{employee}", {"job_title": "Lead"}, MANAGERS_ONLY),
    Endpoint("DELETE", "/api/v1/employees/{employee}", None, MANAGERS_ONLY, 204),
    Endpoint("GET", "/api/v1/employees/{employee}/leave-balance?year=2030"),
    Endpoint(
        "POST",
        "/api/v1/leave-types",
        {"name": "Sick", "yearly_allowance_days": "10"},
        MANAGERS_ONLY,
        201,
    ),
    Endpoint("GET", "/api/v1/leave-types"),
    Endpoint("GET", "/api/v1/leave-types/{leave_type}"),
    Endpoint("PATCH", "/api/v1/leave-types/{leave_type}", {"name": "Renamed"}, MANAGERS_ONLY),
    Endpoint("DELETE", "/api/v1/leave-types/{spare_leave_type}", None, MANAGERS_ONLY, 204),
    Endpoint("POST", "/api/v1/leave-requests", LEAVE_BODY, ("viewer",), 201, linked=True),
    Endpoint("GET", "/api/v1/leave-requests"),
    Endpoint("GET", "/api/v1/leave-requests/{request}"),
    Endpoint("POST", "/api/v1/leave-requests/{request}/approve", None, MANAGERS_ONLY),
    Endpoint("POST", "/api/v1/leave-requests/{request}/reject", None, MANAGERS_ONLY),
    Endpoint("POST", "/api/v1/leave-requests/{request}/cancel", None, MANAGERS_ONLY),
]


def _link_employee_if_needed(user: Actor, tenant: Tenant, endpoint: Endpoint) -> None:
    if endpoint.linked:
        new_employee(tenant.owner, tenant.ws, user_id=str(user.id))


(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot, prepare=_link_employee_if_needed)


def test_without_header_the_sessions_active_workspace_decides(
    factory: Factory, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The tenant comes from the auth context, never from the URL."""
    session = tenant_a.owner.get("/api/v1/auth/session").json()["session"]["id"]
    factory.sql.owner(
        "UPDATE sessions SET active_workspace_id = %s WHERE id = %s", tenant_a.ws["id"], session
    )
    listed = tenant_a.owner.get("/api/v1/employees")
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["items"]] == [tenant_a.employee["id"]]
    other = tenant_a.owner.get(f"/api/v1/employees/{tenant_b.employee['id']}")
    assert other.status_code == 404
