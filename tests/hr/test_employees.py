"""Employees over real HTTP: gapless numbers, salaries by permission, references, cycles,
uniqueness, lists."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx

from tests.access import error_code, ids
from tests.concurrency import (
    assert_one_of_each_pair_refused,
    opposing_edits,
    rows_on_a_cycle,
    send_concurrently,
)
from tests.factories import Actor, Factory
from tests.hr.helpers import Tenant, new_department, new_employee, snapshot

SALARY_KEYS = {"salary", "salary_currency"}


async def _create_concurrently(
    base_url: str, actor: Actor, ws: dict[str, Any], count: int
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/api/v1/employees",
                    json={
                        "first_name": "E",
                        "last_name": f"{i}",
                        "work_email": f"e{i}@corp.example.com",
                    },
                )
                for i in range(count)
            )
        )


def test_concurrent_creations_get_numbers_one_to_ten_without_gaps(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    responses = asyncio.run(_create_concurrently(factory.base_url, admin, ws, 10))
    assert [r.status_code for r in responses] == [201] * 10
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"EMP-{n:04d}" for n in range(1, 11)]
    # A creation refused after taking a number gives it back.
    duplicate = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={"first_name": "D", "last_name": "Up", "work_email": "E3@CORP.EXAMPLE.COM"},
    )
    assert duplicate.status_code == 409
    assert error_code(duplicate) == "work_email_taken"
    assert new_employee(owner, ws)["number"] == "EMP-0011"
    other_ws = factory.workspace(owner)
    assert new_employee(owner, other_ws)["number"] == "EMP-0001"


def test_create_employee_round_trips_every_field(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    department = new_department(owner, ws)
    manager = new_employee(owner, ws)
    resp = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": " Grace ",
            "last_name": "Hopper",
            "work_email": "grace@corp.example.com",
            "user_id": str(member.id),
            "department_id": department["id"],
            "manager_id": manager["id"],
            "job_title": "Rear admiral",
            "employment_type": "part_time",
            "start_date": "2026-01-05",
            "end_date": "2026-12-31",
            "status": "active",
            "salary": "7250.50",
            "salary_currency": "chf",
        },
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["number"] == "EMP-0002"
    assert (created["first_name"], created["last_name"]) == ("Grace", "Hopper")
    assert created["user_id"] == str(member.id)
    assert created["department_id"] == department["id"]
    assert created["manager_id"] == manager["id"]
    assert (created["employment_type"], created["status"]) == ("part_time", "active")
    assert (created["start_date"], created["end_date"]) == ("2026-01-05", "2026-12-31")
    assert (created["salary"], created["salary_currency"]) == ("7250.50", "CHF")
    assert owner.get(f"/api/v1/employees/{created['id']}", ws=ws).json() == created
    row = factory.sql.owner(
        "SELECT salary, number FROM employees WHERE id = %s", created["id"], workspace=ws["id"]
    )[0]
    assert (row["salary"], row["number"]) == (Decimal("7250.50"), 2)


def test_salary_is_absent_for_members_and_viewers_and_shown_to_admins(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws, salary="4200.00", salary_currency="EUR")
    for role in ("member", "viewer"):
        reader = factory.member(ws, role)
        one = reader.get(f"/api/v1/employees/{employee['id']}", ws=ws).json()
        listed = reader.get("/api/v1/employees", ws=ws).json()["items"]
        assert SALARY_KEYS.isdisjoint(one)
        assert one["number"] == employee["number"]
        assert all(SALARY_KEYS.isdisjoint(item) for item in listed)
    admin = factory.member(ws, "admin")
    one = admin.get(f"/api/v1/employees/{employee['id']}", ws=ws).json()
    listed = admin.get("/api/v1/employees", ws=ws).json()["items"]
    assert (one["salary"], one["salary_currency"]) == ("4200.00", "EUR")
    assert [(e["salary"], e["salary_currency"]) for e in listed] == [("4200.00", "EUR")]
    unpaid = new_employee(owner, ws)
    assert (unpaid["salary"], unpaid["salary_currency"]) == (None, None)


def test_member_cannot_set_a_salary(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    employee = new_employee(owner, ws)
    changed = member.patch(
        f"/api/v1/employees/{employee['id']}",
        ws=ws,
        json={"salary": "9999.00", "salary_currency": "EUR"},
    )
    created = member.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "A",
            "last_name": "B",
            "work_email": "ab@corp.example.com",
            "salary": "1",
        },
    )
    assert (changed.status_code, created.status_code) == (403, 403)
    row = factory.sql.owner(
        "SELECT salary FROM employees WHERE id = %s", employee["id"], workspace=ws["id"]
    )[0]
    assert row["salary"] is None
    admin = factory.member(ws, "admin")
    raised = admin.patch(
        f"/api/v1/employees/{employee['id']}",
        ws=ws,
        json={"salary": "3000", "salary_currency": "usd"},
    )
    assert raised.status_code == 200, raised.text
    assert (raised.json()["salary"], raised.json()["salary_currency"]) == ("3000.00", "USD")
    half = admin.patch(f"/api/v1/employees/{employee['id']}", ws=ws, json={"salary": None})
    assert half.status_code == 422
    assert half.json()["error"]["details"][0]["field"] == "salary_currency"


def test_manager_cycles_are_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    top = new_employee(owner, ws)
    middle = new_employee(owner, ws, manager_id=top["id"])
    bottom = new_employee(owner, ws, manager_id=middle["id"])
    cycle = owner.patch(f"/api/v1/employees/{top['id']}", ws=ws, json={"manager_id": bottom["id"]})
    self_managed = owner.patch(
        f"/api/v1/employees/{top['id']}", ws=ws, json={"manager_id": top["id"]}
    )
    assert (cycle.status_code, self_managed.status_code) == (422, 422)
    assert (error_code(cycle), error_code(self_managed)) == ("invalid_manager", "invalid_manager")
    assert cycle.json()["error"]["details"] == [
        {"field": "manager_id", "message": "would create a cycle of managers"}
    ]
    moved = owner.patch(f"/api/v1/employees/{bottom['id']}", ws=ws, json={"manager_id": top["id"]})
    assert moved.status_code == 200
    assert moved.json()["manager_id"] == top["id"]
    cleared = owner.patch(f"/api/v1/employees/{bottom['id']}", ws=ws, json={"manager_id": None})
    assert cleared.json()["manager_id"] is None


def test_references_must_stay_in_the_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws, other = factory.workspace(owner), factory.workspace(owner)
    foreign_department = new_department(owner, other)
    foreign_employee = new_employee(owner, other)
    stranger = factory.user()
    employee = new_employee(owner, ws)
    cases = {
        "department_id": (foreign_department["id"], "invalid_department"),
        "manager_id": (foreign_employee["id"], "invalid_manager"),
        "user_id": (str(stranger.id), "user_not_member"),
    }
    for field, (value, code) in cases.items():
        resp = owner.patch(f"/api/v1/employees/{employee['id']}", ws=ws, json={field: value})
        assert resp.status_code == 422, field
        assert error_code(resp) == code
        assert resp.json()["error"]["details"][0]["field"] == field


def test_uniqueness_of_emails_and_linked_members(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    new_employee(owner, ws, work_email="Sam@Corp.example.com", user_id=str(member.id))
    same_email = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={"first_name": "S", "last_name": "T", "work_email": "sam@corp.EXAMPLE.COM"},
    )
    same_user = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "S",
            "last_name": "T",
            "work_email": "x@corp.example.com",
            "user_id": str(member.id),
        },
    )
    assert (same_email.status_code, same_user.status_code) == (409, 409)
    assert (error_code(same_email), error_code(same_user)) == (
        "work_email_taken",
        "user_already_employee",
    )
    # Another workspace may use the same e-mail.
    assert new_employee(owner, factory.workspace(owner), work_email="sam@corp.example.com")


def test_invalid_fields_are_reported(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "",
            "last_name": "X",
            "work_email": "not-an-email",
            "employment_type": "freelance",
            "salary": "-1",
        },
    )
    assert resp.status_code == 422
    fields = {d["field"] for d in resp.json()["error"]["details"]}
    assert {"body.first_name", "body.work_email", "body.employment_type", "body.salary"} <= fields
    dates = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "A",
            "last_name": "B",
            "work_email": "ab@corp.example.com",
            "start_date": "2026-05-01",
            "end_date": "2026-04-30",
        },
    )
    assert dates.status_code == 422
    assert dates.json()["error"]["details"][0]["field"] == "end_date"
    null_name = owner.patch(
        f"/api/v1/employees/{new_employee(owner, ws)['id']}", ws=ws, json={"last_name": None}
    )
    assert null_name.status_code == 422


def test_list_filters_search_and_sorting(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    sales = new_department(owner, ws)
    boss = new_employee(owner, ws, last_name="Zeta", status="active", start_date="2026-03-01")
    anna = new_employee(
        owner,
        ws,
        first_name="Anna",
        last_name="Alpha",
        work_email="anna@corp.example.com",
        department_id=sales["id"],
        manager_id=boss["id"],
        start_date="2026-01-01",
    )
    bert = new_employee(
        owner,
        ws,
        last_name="Beta_50%",
        department_id=sales["id"],
        status="terminated",
        start_date="2026-02-01",
    )

    def listed(**params: Any) -> list[str]:
        resp = owner.get("/api/v1/employees", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return ids(resp.json())

    assert listed() == [boss["id"], anna["id"], bert["id"]]
    assert listed(department_id=sales["id"]) == [anna["id"], bert["id"]]
    assert listed(manager_id=boss["id"]) == [anna["id"]]
    assert listed(status="active,terminated") == [boss["id"], bert["id"]]
    assert listed(q="ANNA@") == [anna["id"]]
    assert listed(q="anna alpha") == [anna["id"]]
    assert listed(q="_50%") == [bert["id"]]
    assert listed(q="5_") == []
    assert listed(sort="last_name") == [anna["id"], bert["id"], boss["id"]]
    assert listed(sort="-start_date") == [boss["id"], bert["id"], anna["id"]]
    assert listed(sort="-number", limit=1, offset=1) == [anna["id"]]
    page = owner.get("/api/v1/employees", ws=ws, params={"limit": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 0)
    bad = owner.get("/api/v1/employees", ws=ws, params={"sort": "salary"})
    assert bad.status_code == 422
    assert owner.get("/api/v1/employees", ws=ws, params={"status": "x"}).status_code == 422


def test_deleting_an_employee_unlinks_reports_and_departments(
    factory: Factory, tenant_b: Tenant
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    boss = new_employee(owner, ws)
    report = new_employee(owner, ws, manager_id=boss["id"])
    department = new_department(owner, ws, manager_employee_id=boss["id"])
    other_report = new_employee(owner, ws, manager_id=report["id"])
    untouched = snapshot(factory.sql, tenant_b.ws)
    assert owner.delete(f"/api/v1/employees/{boss['id']}", ws=ws).status_code == 204
    got = owner.get(f"/api/v1/employees/{other_report['id']}", ws=ws).json()
    assert got["manager_id"] == report["id"]
    assert snapshot(factory.sql, tenant_b.ws) == untouched
    assert owner.get(f"/api/v1/employees/{boss['id']}", ws=ws).status_code == 404
    assert owner.get(f"/api/v1/employees/{report['id']}", ws=ws).json()["manager_id"] is None
    dept = owner.get(f"/api/v1/departments/{department['id']}", ws=ws).json()
    assert dept["manager_employee_id"] is None
    assert owner.delete(f"/api/v1/employees/{boss['id']}", ws=ws).status_code == 404


def test_concurrent_opposing_managers_leave_no_cycle(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    pairs = [(new_employee(owner, ws)["id"], new_employee(owner, ws)["id"]) for _ in range(10)]
    calls = opposing_edits("/api/v1/employees", "manager_id", pairs)
    responses = send_concurrently(factory.base_url, owner, ws, calls)
    assert rows_on_a_cycle(factory.sql, ws, "employees", "manager_id") == []
    assert_one_of_each_pair_refused(responses, "invalid_manager")
