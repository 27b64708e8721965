"""Departments over real HTTP: codes, uniqueness, parents without cycles, deletion."""

from __future__ import annotations

from tests.access import error_code, ids
from tests.concurrency import (
    assert_one_of_each_pair_refused,
    opposing_edits,
    rows_on_a_cycle,
    send_concurrently,
)
from tests.factories import Factory
from tests.hr.helpers import Tenant, new_department, new_employee, snapshot


def test_create_department_upper_cases_the_code(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    manager = new_employee(owner, ws)
    parent = new_department(owner, ws, code="ops", name="Operations")
    resp = owner.post(
        "/api/v1/departments",
        ws=ws,
        json={
            "code": " it-support ",
            "name": " IT support ",
            "parent_department_id": parent["id"],
            "manager_employee_id": manager["id"],
        },
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert (created["code"], created["name"]) == ("IT-SUPPORT", "IT support")
    assert created["parent_department_id"] == parent["id"]
    assert created["manager_employee_id"] == manager["id"]
    assert parent["code"] == "OPS"
    assert owner.get(f"/api/v1/departments/{created['id']}", ws=ws).json() == created


def test_codes_and_names_are_unique_per_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_department(owner, ws, code="FIN", name="Finance")
    same_code = owner.post("/api/v1/departments", ws=ws, json={"code": "fin", "name": "Other"})
    same_name = owner.post("/api/v1/departments", ws=ws, json={"code": "FIN2", "name": "Finance"})
    assert (same_code.status_code, same_name.status_code) == (409, 409)
    assert (error_code(same_code), error_code(same_name)) == (
        "department_code_taken",
        "department_name_taken",
    )
    assert new_department(owner, factory.workspace(owner), code="FIN", name="Finance")


def test_invalid_codes_are_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for code in ("", "A" * 21, "with space", "-X"):
        resp = owner.post("/api/v1/departments", ws=ws, json={"code": code, "name": "N"})
        assert resp.status_code == 422, code
        assert resp.json()["error"]["details"][0]["field"] == "body.code"


def test_parent_cycles_are_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    top = new_department(owner, ws)
    middle = new_department(owner, ws, parent_department_id=top["id"])
    bottom = new_department(owner, ws, parent_department_id=middle["id"])
    url = f"/api/v1/departments/{top['id']}"
    cycle = owner.patch(url, ws=ws, json={"parent_department_id": bottom["id"]})
    own = owner.patch(url, ws=ws, json={"parent_department_id": top["id"]})
    assert (cycle.status_code, own.status_code) == (422, 422)
    assert (error_code(cycle), error_code(own)) == ("invalid_parent", "invalid_parent")
    assert cycle.json()["error"]["details"] == [
        {"field": "parent_department_id", "message": "would create a cycle of departments"}
    ]
    assert owner.get(url, ws=ws).json()["parent_department_id"] is None
    moved = owner.patch(
        f"/api/v1/departments/{bottom['id']}", ws=ws, json={"parent_department_id": top["id"]}
    )
    assert moved.json()["parent_department_id"] == top["id"]


def test_references_must_stay_in_the_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws, other = factory.workspace(owner), factory.workspace(owner)
    foreign_department = new_department(owner, other)
    foreign_employee = new_employee(owner, other)
    parent = owner.post(
        "/api/v1/departments",
        ws=ws,
        json={"code": "X", "name": "X", "parent_department_id": foreign_department["id"]},
    )
    manager = owner.post(
        "/api/v1/departments",
        ws=ws,
        json={"code": "Y", "name": "Y", "manager_employee_id": foreign_employee["id"]},
    )
    assert (parent.status_code, manager.status_code) == (422, 422)
    assert (error_code(parent), error_code(manager)) == ("invalid_parent", "invalid_manager")


def test_a_department_with_children_cannot_be_deleted(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    parent = new_department(owner, ws)
    child = new_department(owner, ws, parent_department_id=parent["id"])
    member = new_employee(owner, ws, department_id=parent["id"])
    refused = owner.delete(f"/api/v1/departments/{parent['id']}", ws=ws)
    assert refused.status_code == 409
    assert error_code(refused) == "department_has_children"
    assert owner.get(f"/api/v1/departments/{parent['id']}", ws=ws).status_code == 200
    # The refused request cleared nothing.
    assert (
        owner.get(f"/api/v1/employees/{member['id']}", ws=ws).json()["department_id"]
        == (parent["id"])
    )
    assert owner.delete(f"/api/v1/departments/{child['id']}", ws=ws).status_code == 204
    assert owner.delete(f"/api/v1/departments/{parent['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/employees/{member['id']}", ws=ws).json()["department_id"] is None


def test_deleting_a_department_takes_it_from_its_employees_in_this_workspace_only(
    factory: Factory, tenant_b: Tenant
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    department, kept = new_department(owner, ws), new_department(owner, ws)
    staff = [new_employee(owner, ws, department_id=department["id"]) for _ in range(2)]
    elsewhere = new_employee(owner, ws, department_id=kept["id"])
    untouched = snapshot(factory.sql, tenant_b.ws)

    assert owner.delete(f"/api/v1/departments/{department['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/departments/{department['id']}", ws=ws).status_code == 404
    for employee in staff:
        got = owner.get(f"/api/v1/employees/{employee['id']}", ws=ws).json()
        assert got["department_id"] is None
    assert (
        owner.get(f"/api/v1/employees/{elsewhere['id']}", ws=ws).json()["department_id"]
        == (kept["id"])
    )
    assert snapshot(factory.sql, tenant_b.ws) == untouched


def test_list_filters_and_sorting(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    b = new_department(owner, ws, code="B", name="alpha")
    a = new_department(owner, ws, code="A", name="Zulu", parent_department_id=b["id"])
    c = new_department(owner, ws, code="C", name="Mike", parent_department_id=b["id"])
    page = owner.get("/api/v1/departments", ws=ws).json()
    assert ids(page) == [a["id"], b["id"], c["id"]]
    assert page["total"] == 3
    by_name = owner.get("/api/v1/departments", ws=ws, params={"sort": "name"}).json()
    assert ids(by_name) == [b["id"], c["id"], a["id"]]
    children = owner.get(
        "/api/v1/departments", ws=ws, params={"parent_department_id": b["id"]}
    ).json()
    assert ids(children) == [a["id"], c["id"]]
    assert ids(owner.get("/api/v1/departments", ws=ws, params={"q": "MIK"}).json()) == [c["id"]]


def test_concurrent_opposing_parents_leave_no_cycle(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    pairs = [(new_department(owner, ws)["id"], new_department(owner, ws)["id"]) for _ in range(10)]
    calls = opposing_edits("/api/v1/departments", "parent_department_id", pairs)
    responses = send_concurrently(factory.base_url, owner, ws, calls)
    assert rows_on_a_cycle(factory.sql, ws, "departments", "parent_department_id") == []
    assert_one_of_each_pair_refused(responses, "invalid_parent")
