"""Time entries: own versus anyone's, the 24-hour day, frozen once invoiced, the list."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.access import table_snapshot
from tests.factories import Factory
from tests.finance.helpers import new_customer
from tests.projects.helpers import new_project, new_task
from tests.timesheets.helpers import Tenant, new_employee, new_time_entry


def test_a_member_records_their_own_time(factory: Factory, tenant_a: Tenant) -> None:
    member = factory.member(tenant_a.ws, "member")
    employee = new_employee(factory.sql, tenant_a.ws, member)
    entry = new_time_entry(member, tenant_a.ws, tenant_a.project, hours="7.25", billable=False)
    assert entry["employee_id"] == str(employee["id"])
    assert (entry["hours"], entry["billable"], entry["invoice_id"]) == ("7.25", False, None)
    named = new_time_entry(
        member, tenant_a.ws, tenant_a.project, employee_id=employee["id"], hours="1"
    )
    changed = member.patch(
        f"/api/v1/time-entries/{named['id']}", ws=tenant_a.ws, json={"hours": "2"}
    )
    assert changed.json()["hours"] == "2.00"
    assert member.delete(f"/api/v1/time-entries/{named['id']}", ws=tenant_a.ws).status_code == 204
    # Not someone else's, and not moved onto someone else.
    others = member.patch(
        f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=tenant_a.ws, json={"hours": "1"}
    )
    assert others.status_code == 403
    moved = member.patch(
        f"/api/v1/time-entries/{entry['id']}",
        ws=tenant_a.ws,
        json={"employee_id": str(tenant_a.employee["id"])},
    )
    assert moved.status_code == 403


def test_a_member_without_an_employee_record_must_be_told(
    factory: Factory, tenant_a: Tenant
) -> None:
    member = factory.member(tenant_a.ws, "member")
    resp = member.post(
        "/api/v1/time-entries",
        ws=tenant_a.ws,
        json={"project_id": tenant_a.project["id"], "entry_date": "2026-03-02", "hours": "1"},
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "no_linked_employee"


def test_a_time_manager_records_anyones_time(factory: Factory, tenant_a: Tenant) -> None:
    admin = factory.member(tenant_a.ws, "admin")
    someone = new_employee(factory.sql, tenant_a.ws)
    entry = new_time_entry(admin, tenant_a.ws, tenant_a.project, employee_id=someone["id"])
    assert entry["employee_id"] == str(someone["id"])


def test_a_day_holds_at_most_24_hours(factory: Factory, tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws  # the fixture booked 2.5 h on 2026-03-02
    new_time_entry(owner, ws, tenant_a.project, hours="20")
    over = owner.post(
        "/api/v1/time-entries",
        ws=ws,
        json={"project_id": tenant_a.project["id"], "entry_date": "2026-03-02", "hours": "1.75"},
    )
    assert over.status_code == 422
    assert over.json()["error"]["code"] == "daily_hours_exceeded"
    exact = new_time_entry(owner, ws, tenant_a.project, hours="1.5")
    grow = owner.patch(f"/api/v1/time-entries/{exact['id']}", ws=ws, json={"hours": "1.51"})
    assert grow.status_code == 422
    # Moving the entry to another day frees this one; the entry itself is not counted twice.
    moved = owner.patch(
        f"/api/v1/time-entries/{exact['id']}",
        ws=ws,
        json={"entry_date": "2026-03-03", "hours": "24"},
    )
    assert moved.status_code == 200
    for hours in ("0", "24.01", "-1", "1.001"):
        bad = owner.post(
            "/api/v1/time-entries",
            ws=ws,
            json={"project_id": tenant_a.project["id"], "entry_date": "2026-03-09", "hours": hours},
        )
        assert bad.status_code == 422, hours


async def _book_concurrently(
    base_url: str, tenant: Tenant, count: int, hours: str
) -> list[httpx.Response]:
    headers = {
        "Authorization": f"Bearer {tenant.owner.token}",
        "X-Workspace-Id": str(tenant.ws["id"]),
    }
    body = {"project_id": tenant.project["id"], "entry_date": "2026-06-01", "hours": hours}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(client.post("/api/v1/time-entries", json=body) for _ in range(count))
        )


def test_concurrent_bookings_never_pass_24_hours(server: str, tenant_a: Tenant) -> None:
    responses = asyncio.run(_book_concurrently(server, tenant_a, 10, "5"))
    assert sorted(r.status_code for r in responses) == [201] * 4 + [422] * 6
    listed = tenant_a.owner.get(
        "/api/v1/time-entries",
        ws=tenant_a.ws,
        params={"from": "2026-06-01", "to": "2026-06-01"},
    ).json()
    assert listed["total"] == 4


def test_the_task_must_belong_to_the_project(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    other = new_project(owner, ws)
    resp = owner.post(
        "/api/v1/time-entries",
        ws=ws,
        json={
            "project_id": other["id"],
            "task_id": tenant_a.task["id"],
            "entry_date": "2026-03-05",
            "hours": "1",
        },
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "task_not_in_project"
    moved = owner.patch(
        f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws, json={"project_id": other["id"]}
    )
    assert moved.status_code == 422
    own_task = new_task(owner, ws, other)
    both = owner.patch(
        f"/api/v1/time-entries/{tenant_a.entry['id']}",
        ws=ws,
        json={"project_id": other["id"], "task_id": own_task["id"], "hourly_rate": None},
    )
    assert both.status_code == 200
    assert (both.json()["task_id"], both.json()["hourly_rate"]) == (own_task["id"], None)


def test_invoiced_entries_are_frozen(factory: Factory, tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    resp = owner.post(
        "/api/v1/invoices/from-time",
        ws=ws,
        json={
            "customer_id": new_customer(owner, ws)["id"],
            "project_id": tenant_a.project["id"],
            "from": "2026-03-01",
            "to": "2026-03-31",
        },
    )
    assert resp.status_code == 201
    for attempt in (
        owner.patch(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws, json={"hours": "1"}),
        owner.delete(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws),
    ):
        assert attempt.status_code == 409
        assert attempt.json()["error"]["code"] == "time_entry_invoiced"


def test_list_filters(factory: Factory, tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    other_project = new_project(owner, ws)
    someone = new_employee(factory.sql, ws)
    late = new_time_entry(owner, ws, tenant_a.project, entry_date="2026-04-10", billable=False)
    theirs = new_time_entry(
        owner, ws, other_project, entry_date="2026-03-20", employee_id=someone["id"]
    )

    def ids(**params: Any) -> list[str]:
        resp = owner.get("/api/v1/time-entries", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return [e["id"] for e in resp.json()["items"]]

    first = tenant_a.entry["id"]
    assert ids() == [late["id"], theirs["id"], first]  # latest first
    assert ids(sort="entry_date") == [first, theirs["id"], late["id"]]
    assert ids(employee_id=str(someone["id"])) == [theirs["id"]]
    assert ids(project_id=tenant_a.project["id"]) == [late["id"], first]
    assert ids(**{"from": "2026-03-03", "to": "2026-03-31"}) == [theirs["id"]]
    assert ids(billable="false") == [late["id"]]
    assert ids(invoiced="true") == []
    assert ids(invoiced="false", billable="true", sort="entry_date") == [first, theirs["id"]]
    got = owner.get(f"/api/v1/time-entries/{first}", ws=ws).json()
    assert got == tenant_a.entry


def test_deleting_a_task_keeps_its_time_on_the_project_and_frees_its_dependents(
    factory: Factory, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ws, owner, project, task = tenant_a.ws, tenant_a.owner, tenant_a.project, tenant_a.task
    dependent = new_task(owner, ws, project, depends_on_task_id=task["id"])
    untouched = table_snapshot(factory.sql, tenant_b.ws, ("tasks", "time_entries"))

    assert owner.delete(f"/api/v1/tasks/{task['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/tasks/{task['id']}", ws=ws).status_code == 404
    entry = owner.get(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws).json()
    assert {**entry, "task_id": task["id"]} == tenant_a.entry
    assert entry["task_id"] is None
    got = owner.get(f"/api/v1/tasks/{dependent['id']}", ws=ws).json()
    assert got["depends_on_task_id"] is None
    assert table_snapshot(factory.sql, tenant_b.ws, ("tasks", "time_entries")) == untouched


def test_a_project_with_logged_time_cannot_be_deleted(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(factory.sql, ws, owner)
    project = new_project(owner, ws)
    task = new_task(owner, ws, project)
    new_time_entry(owner, ws, project, employee_id=employee["id"], task_id=task["id"])
    resp = owner.delete(f"/api/v1/projects/{project['id']}", ws=ws)
    assert resp.status_code == 409, resp.text
    assert resp.json()["error"]["code"] == "project_has_time_entries"
    assert owner.get(f"/api/v1/projects/{project['id']}", ws=ws).status_code == 200
    assert owner.get(f"/api/v1/tasks/{task['id']}", ws=ws).status_code == 200
