"""HR pages over real HTTP: departments, employees, leave types and leave requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from atlas.db.ids import uuid7
from tests.access import EndpointNames
from tests.factories import Factory
from tests.hr.helpers import (
    Tenant,
    linked_employee,
    monday,
    new_department,
    new_employee,
    new_leave_request,
    new_tenant,
    snapshot,
)
from tests.roles.helpers import new_role
from tests.sql import Sql
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text

MANAGERS_ONLY = ("viewer", "member")
XSS = "<script>alert(1)</script>"


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return new_tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return new_tenant(factory)


def _ids(tenant: Tenant) -> dict[str, Any]:
    return {
        "department": tenant.department["id"],
        "employee": tenant.employee["id"],
        "leave_type": tenant.leave_type["id"],
        "spare_leave_type": tenant.spare_leave_type["id"],
        "request": tenant.leave_request["id"],
    }


@dataclass(frozen=True)
class Route(EndpointNames):
    """A page route; `path` and `form` name the tenant's rows as {department}, {employee}..."""

    method: str
    path: str
    form: dict[str, str] = field(default_factory=dict)
    denied: tuple[str, ...] = ()
    # What the allowed role sees on a GET page.
    shows: str = ""
    # The caller needs an employee linked to their membership (leave for oneself).
    linked: bool = False

    def url(self, tenant: Tenant, ws: dict[str, Any] | None = None) -> str:
        """The route in `ws` (the tenant's own by default), naming the tenant's ids."""
        slug = (ws or tenant.ws)["slug"]
        return f"/w/{slug}" + self.path.format(**_ids(tenant))

    def data(self, tenant: Tenant) -> dict[str, str]:
        return {k: v.format(**_ids(tenant)) for k, v in self.form.items()}

    def expected(self, tenant: Tenant) -> str:
        return self.shows.format(
            employee_name=tenant.employee["last_name"],
            department_name=tenant.department["name"],
            leave_type_name=tenant.leave_type["name"],
        )


EMPLOYEE_FORM = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "work_email": "grace@corp.example.com",
    "employment_type": "full_time",
    "status": "active",
}
LEAVE_FORM = {
    "leave_type_id": "{leave_type}",
    "start_date": monday(20).isoformat(),
    "end_date": monday(20).isoformat(),
}
ROUTES = [
    Route("GET", "/departments", shows="{department_name}"),
    Route("GET", "/departments/new", denied=MANAGERS_ONLY, shows="New department"),
    Route("POST", "/departments/new", {"code": "NEW", "name": "New"}, MANAGERS_ONLY),
    Route("GET", "/departments/{department}/edit", denied=MANAGERS_ONLY, shows="Edit department"),
    Route("POST", "/departments/{department}/edit", {"code": "REN", "name": "R"}, MANAGERS_ONLY),
    Route("POST", "/departments/{department}/delete", denied=MANAGERS_ONLY),
    Route("GET", "/choices/departments?field=department_id", shows="{department_name}"),
    Route("GET", "/employees", shows="{employee_name}"),
    Route("GET", "/choices/employees?field=manager_id", shows="{employee_name}"),
    Route("GET", "/employees/new", denied=MANAGERS_ONLY, shows="New employee"),
    Route("POST", "/employees/new", EMPLOYEE_FORM, MANAGERS_ONLY),
    Route("GET", "/employees/{employee}", shows="{employee_name}"),
    Route("GET", "/employees/{employee}/edit", denied=MANAGERS_ONLY, shows="{employee_name}"),
    Route("POST", "/employees/{employee}/edit", EMPLOYEE_FORM, MANAGERS_ONLY),
    Route("POST", "/employees/{employee}/delete", denied=MANAGERS_ONLY),
    Route("GET", "/leave", shows="{employee_name}"),
    Route("GET", "/leave/new", denied=("viewer",), shows="Request leave", linked=True),
    Route("POST", "/leave/new", LEAVE_FORM, ("viewer",), linked=True),
    Route("GET", "/leave/{request}", shows="{leave_type_name}"),
    Route("POST", "/leave/{request}/approve", denied=MANAGERS_ONLY),
    Route("POST", "/leave/{request}/reject", denied=MANAGERS_ONLY),
    Route("POST", "/leave/{request}/cancel", denied=MANAGERS_ONLY),
    Route("GET", "/leave-types", shows="{leave_type_name}"),
    Route("GET", "/leave-types/new", denied=MANAGERS_ONLY, shows="New leave type"),
    Route(
        "POST", "/leave-types/new", {"name": "Sick", "yearly_allowance_days": "10"}, MANAGERS_ONLY
    ),
    Route("POST", "/leave-types/{spare_leave_type}/delete", denied=MANAGERS_ONLY),
]
WITH_IDS = [r for r in ROUTES if "{" in r.path]
DENIED = [pytest.param(r, role, id=f"{r}-{role}") for r in ROUTES for role in r.denied]


def _call(browser: Any, route: Route, tenant: Tenant, url: str) -> Any:
    if route.method == "GET":
        return browser.get(url)
    return browser.post(url, route.data(tenant))


# The five access cases of every page


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant, route: Route
) -> None:
    before = snapshot(sql, tenant_a.ws)
    url = route.url(tenant_a)
    resp = _call(browser_for(None), route, tenant_a, url)
    expected = (
        f"/sign-in?next={quote(url, safe='/')}" if route.method == "GET" else "/sign-in?next=/"
    )
    assert redirected_to(resp) == expected
    assert snapshot(sql, tenant_a.ws) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_non_members_get_the_404_page(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant, route: Route
) -> None:
    before = snapshot(sql, tenant_a.ws)
    resp = _call(browser_for(factory.user()), route, tenant_a, route.url(tenant_a))
    assert resp.status_code == 404
    assert "Page not found" in text(resp)
    assert snapshot(sql, tenant_a.ws) == before


@pytest.mark.parametrize("route", WITH_IDS, ids=str)
def test_ids_of_another_workspace_get_the_404_page(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant, tenant_b: Tenant, route: Route
) -> None:
    before_a, before_b = snapshot(sql, tenant_a.ws), snapshot(sql, tenant_b.ws)
    url = route.url(tenant_b, ws=tenant_a.ws)
    resp = _call(browser_for(tenant_a.owner), route, tenant_a, url)
    assert resp.status_code == 404
    assert "Page not found" in text(resp)
    assert snapshot(sql, tenant_a.ws) == before_a
    assert snapshot(sql, tenant_b.ws) == before_b


@pytest.mark.parametrize(("route", "role"), DENIED)
def test_roles_without_the_permission_get_the_403_page(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant, route: Route, role: str
) -> None:
    before = snapshot(sql, tenant_a.ws)
    user = factory.member(tenant_a.ws, role)
    resp = _call(browser_for(user), route, tenant_a, route.url(tenant_a))
    assert resp.status_code == 403
    assert "Not allowed" in text(resp)
    assert snapshot(sql, tenant_a.ws) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_lowest_allowed_role_succeeds(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant, route: Route
) -> None:
    user = factory.member(tenant_a.ws, route.lowest_allowed_role)
    if route.linked:
        new_employee(tenant_a.owner, tenant_a.ws, user_id=str(user.id))
    before = snapshot(sql, tenant_a.ws)
    resp = _call(browser_for(user), route, tenant_a, route.url(tenant_a))
    if route.method == "GET":
        assert resp.status_code == 200, resp.text[:500]
        assert route.expected(tenant_a) in text(resp)
    else:
        assert redirected_to(resp).startswith(f"/w/{tenant_a.ws['slug']}/")
        assert snapshot(sql, tenant_a.ws) != before


# Salaries


def _salary_of(sql: Sql, tenant: Tenant) -> Any:
    rows = sql.owner(
        "SELECT salary FROM employees WHERE id = %s",
        tenant.employee["id"],
        workspace=tenant.ws["id"],
    )
    return rows[0]["salary"]


def test_salaries_show_only_with_hr_salary(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    ws, employee = tenant_a.ws, tenant_a.employee
    role = new_role(
        tenant_a.owner,
        ws,
        permissions=["workspace:read", "employees:read", "employees:manage", "leave:read"],
    )
    clerk = factory.user()
    factory.sql.owner(
        "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        ws["id"],
        uuid7(),
        clerk.id,
        role["name"],
        role["id"],
        workspace=ws["id"],
    )
    hr_clerk = browser_for(clerk)
    detail, edit = (
        f"/w/{ws['slug']}/employees/{employee['id']}",
        f"/w/{ws['slug']}/employees/{employee['id']}/edit",
    )
    for path in (f"/w/{ws['slug']}/employees", detail, edit):
        resp = hr_clerk.get(path)
        assert resp.status_code == 200
        assert employee["last_name"] in resp.text
        assert "5000" not in resp.text
        assert "5,000" not in resp.text
        assert 'name="salary' not in resp.text
    saved = hr_clerk.post(edit, {**EMPLOYEE_FORM, "job_title": "Clerk"})
    assert redirected_to(saved) == detail
    assert str(_salary_of(sql, tenant_a)) == "5000.00"
    sneaky = hr_clerk.post(edit, {**EMPLOYEE_FORM, "salary": "1", "salary_currency": "EUR"})
    assert sneaky.status_code == 403
    assert str(_salary_of(sql, tenant_a)) == "5000.00"

    owner = browser_for(tenant_a.owner)
    assert "€5,000.00" in text(owner.get(detail))
    assert 'value="5000.00"' in owner.get(edit).text
    raised = owner.post(edit, {**EMPLOYEE_FORM, "salary": "6000", "salary_currency": "EUR"})
    assert redirected_to(raised) == detail
    assert str(_salary_of(sql, tenant_a)) == "6000.00"


# Leave


def _status_of(sql: Sql, tenant: Tenant) -> str:
    rows = sql.owner(
        "SELECT status FROM leave_requests WHERE id = %s",
        tenant.leave_request["id"],
        workspace=tenant.ws["id"],
    )
    status: str = rows[0]["status"]
    return status


def test_approving_from_the_list_changes_the_status(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    owner = browser_for(tenant_a.owner)
    slug, request_id = tenant_a.ws["slug"], tenant_a.leave_request["id"]
    listing = owner.get(f"/w/{slug}/leave")
    assert f'action="/w/{slug}/leave/{request_id}/approve"' in listing.text
    resp = owner.post(f"/w/{slug}/leave/{request_id}/approve")
    assert redirected_to(resp) == f"/w/{slug}/leave/{request_id}"
    assert _status_of(sql, tenant_a) == "approved"
    detail = owner.get(f"/w/{slug}/leave/{request_id}")
    assert "Leave request approved." in text(detail)
    assert "/approve" not in detail.text
    again = owner.post(f"/w/{slug}/leave/{request_id}/approve")
    assert redirected_to(again) == f"/w/{slug}/leave/{request_id}"
    assert "cannot be approved" in text(owner.get(f"/w/{slug}/leave/{request_id}"))


def test_only_the_manager_among_members_may_decide(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    ws, owner = tenant_a.ws, tenant_a.owner
    boss, boss_employee = linked_employee(factory, owner, ws, "member")
    worker, worker_employee = linked_employee(
        factory, owner, ws, "member", manager_id=boss_employee["id"]
    )
    request = new_leave_request(worker, ws, tenant_a.leave_type, monday(30), monday(30))
    path = f"/w/{ws['slug']}/leave/{request['id']}"
    outsider = browser_for(factory.member(ws, "member"))
    assert "/approve" not in outsider.get(path).text
    refused = outsider.post(f"{path}/approve")
    assert refused.status_code == 403
    assert "manager" in text(refused)
    own = browser_for(worker)
    assert "/approve" not in own.get(path).text
    assert own.post(f"{path}/approve").status_code == 403
    manager = browser_for(boss)
    assert f'action="{path}/reject"' in manager.get(f"/w/{ws['slug']}/leave").text
    assert redirected_to(manager.post(f"{path}/reject")) == path
    rows = sql.owner(
        "SELECT status FROM leave_requests WHERE id = %s", request["id"], workspace=ws["id"]
    )
    assert rows[0]["status"] == "rejected"
    assert worker_employee["manager_id"] == boss_employee["id"]


def test_overlapping_leave_shows_the_error_on_the_form(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    before = snapshot(sql, tenant_a.ws)
    owner = browser_for(tenant_a.owner)
    day = monday(10).isoformat()
    resp = owner.post(
        f"/w/{tenant_a.ws['slug']}/leave/new",
        {
            "employee_id": tenant_a.employee["id"],
            "leave_type_id": tenant_a.leave_type["id"],
            "start_date": day,
            "end_date": day,
            "reason": "Again",
        },
    )
    assert resp.status_code == 422
    assert "already has pending or approved leave" in text(resp)
    assert 'id="f-start_date" name="start_date" type="date" value="' + day in resp.text
    assert 'aria-invalid="true" aria-describedby="start_date-error"' in resp.text
    assert "Again" in resp.text
    assert snapshot(sql, tenant_a.ws) == before


def test_a_member_files_leave_for_themself(
    factory: Factory, browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    user, employee = linked_employee(factory, tenant_a.owner, tenant_a.ws, "member")
    browser = browser_for(user)
    form = browser.get(f"/w/{tenant_a.ws['slug']}/leave/new")
    assert 'name="employee_id"' not in form.text
    resp = browser.post(
        f"/w/{tenant_a.ws['slug']}/leave/new",
        {**LEAVE_FORM, "leave_type_id": tenant_a.leave_type["id"], "end_half_day": "true"},
    )
    assert redirected_to(resp).startswith(f"/w/{tenant_a.ws['slug']}/leave/")
    rows = sql.owner(
        "SELECT days FROM leave_requests WHERE employee_id = %s",
        employee["id"],
        workspace=tenant_a.ws["id"],
    )
    assert [str(r["days"]) for r in rows] == ["0.5"]


# Departments


def test_a_department_cycle_shows_on_the_form(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    parent = tenant_a.department
    child = new_department(tenant_a.owner, tenant_a.ws, parent_department_id=parent["id"])
    before = snapshot(sql, tenant_a.ws)
    resp = browser_for(tenant_a.owner).post(
        f"/w/{tenant_a.ws['slug']}/departments/{parent['id']}/edit",
        {"code": parent["code"], "name": parent["name"], "parent_department_id": child["id"]},
    )
    assert resp.status_code == 422
    assert "would make a cycle" in text(resp)
    assert 'aria-describedby="parent_department_id-error"' in resp.text
    assert snapshot(sql, tenant_a.ws) == before


def test_invalid_department_fields_are_shown_with_the_typed_values(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    before = snapshot(sql, tenant_a.ws)
    resp = browser_for(tenant_a.owner).post(
        f"/w/{tenant_a.ws['slug']}/departments/new", {"code": "no spaces!", "name": "Typed"}
    )
    assert resp.status_code == 422
    assert 'value="no spaces!"' in resp.text
    assert 'value="Typed"' in resp.text
    assert 'aria-invalid="true" aria-describedby="code-error"' in resp.text
    assert snapshot(sql, tenant_a.ws) == before


def test_a_department_with_sub_departments_is_not_deleted(
    browser_for: BrowserFor, sql: Sql, tenant_a: Tenant
) -> None:
    new_department(tenant_a.owner, tenant_a.ws, parent_department_id=tenant_a.department["id"])
    before = snapshot(sql, tenant_a.ws)
    browser = browser_for(tenant_a.owner)
    slug = tenant_a.ws["slug"]
    resp = browser.post(f"/w/{slug}/departments/{tenant_a.department['id']}/delete")
    assert redirected_to(resp) == f"/w/{slug}/departments"
    assert "has sub-departments" in text(browser.get(f"/w/{slug}/departments"))
    assert snapshot(sql, tenant_a.ws) == before


def test_names_are_escaped(browser_for: BrowserFor, tenant_a: Tenant) -> None:
    ws, owner = tenant_a.ws, tenant_a.owner
    new_department(owner, ws, name=XSS, manager_employee_id=tenant_a.employee["id"])
    person = new_employee(owner, ws, first_name=XSS)
    browser = browser_for(owner)
    for path in ("/departments", "/employees", f"/employees/{person['id']}"):
        resp = browser.get(f"/w/{ws['slug']}{path}")
        assert resp.status_code == 200
        assert XSS not in resp.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text


def test_the_approver_sees_what_the_employee_has_left(
    factory: Factory, browser_for: BrowserFor, tenant_a: Tenant
) -> None:
    request = tenant_a.leave_request
    url = f"/w/{tenant_a.ws['slug']}/leave/{request['id']}"
    balance = tenant_a.owner.get(
        f"/api/v1/employees/{request['employee_id']}/leave-balance",
        ws=tenant_a.ws,
        params={"year": request["start_date"][:4]},
    )
    assert balance.status_code == 200, balance.text
    line = next(
        b for b in balance.json()["leave_types"] if b["leave_type_id"] == request["leave_type_id"]
    )
    page = browser_for(tenant_a.owner).get(url)
    assert page.status_code == 200
    left = Decimal(line["remaining_days"])
    shown = text(page)
    assert (
        f"{line['remaining_days']} of {line['allowance_days']} days left"
        f" ({line['taken_days']} taken, {line['pending_days']} pending with this one);"
        f" {left - Decimal(request['days'])} after it"
    ) in shown
    # Who may not decide it does not see the balance.
    viewer = factory.member(tenant_a.ws, "viewer")
    assert 'id="leave-balance"' not in browser_for(viewer).get(url).text


def test_a_rejection_says_why_to_the_requester(
    factory: Factory, browser_for: BrowserFor, tenant_a: Tenant
) -> None:
    request = tenant_a.leave_request
    url = f"/w/{tenant_a.ws['slug']}/leave/{request['id']}"
    owner = browser_for(tenant_a.owner)
    assert 'name="note"' in owner.get(url).text
    too_long = owner.post(f"{url}/reject", {"note": "x" * 2001})
    assert redirected_to(too_long) == url
    assert "The note holds at most 2,000 characters." in text(owner.get(url))
    pending = tenant_a.owner.get(f"/api/v1/leave-requests/{request['id']}", ws=tenant_a.ws)
    assert pending.json()["status"] == "pending"
    rejected = owner.post(f"{url}/reject", {"note": "The team is short that week."})
    assert redirected_to(rejected) == url
    stored = tenant_a.owner.get(f"/api/v1/leave-requests/{request['id']}", ws=tenant_a.ws).json()
    assert (stored["status"], stored["decision_note"]) == (
        "rejected",
        "The team is short that week.",
    )
    assert "Why it was rejected The team is short that week." in text(owner.get(url))


def test_the_api_takes_a_decision_note_or_none(factory: Factory, tenant_a: Tenant) -> None:
    request = tenant_a.leave_request
    path = f"/api/v1/leave-requests/{request['id']}"
    too_long = tenant_a.owner.post(f"{path}/approve", ws=tenant_a.ws, json={"note": "x" * 2001})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "body.note"
    approved = tenant_a.owner.post(f"{path}/approve", ws=tenant_a.ws)  # no body
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision_note"] == ""
