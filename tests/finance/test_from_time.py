"""Invoices from time entries: grouping, rates, entries marked, all in one transaction."""

from __future__ import annotations

from typing import Any

from tests.factories import Factory
from tests.finance.helpers import Tenant
from tests.projects.helpers import new_task
from tests.timesheets.helpers import new_employee, new_time_entry


def _from_time(tenant: Tenant, **fields: Any) -> Any:
    body = {
        "customer_id": tenant.customer["id"],
        "project_id": tenant.project["id"],
        "from": "2026-03-01",
        "to": "2026-03-31",
        **fields,
    }
    return tenant.owner.post("/api/v1/invoices/from-time", ws=tenant.ws, json=body)


def _entries(tenant: Tenant, factory: Factory) -> dict[str, Any]:
    """Besides the fixture's 2.5 h on its task at 80.00 (by the owner's employee)."""
    owner, ws, project = tenant.owner, tenant.ws, tenant.project
    other_task = new_task(owner, ws, project, title="Backend")
    someone = new_employee(factory.sql, ws)
    return {
        "same_task": new_time_entry(
            owner, ws, project, task_id=tenant.task["id"], hours="1.25", entry_date="2026-03-05"
        ),
        "other_task": new_time_entry(
            owner, ws, project, task_id=other_task["id"], hours="3", employee_id=someone["id"]
        ),
        "no_task": new_time_entry(owner, ws, project, hours="0.5", hourly_rate="100.00"),
        "not_billable": new_time_entry(owner, ws, project, hours="4", billable=False),
        "outside_range": new_time_entry(owner, ws, project, hours="4", entry_date="2026-04-01"),
        "someone": someone,
        "other_task_row": other_task,
    }


def test_grouped_by_task(factory: Factory, tenant_a: Tenant) -> None:
    made = _entries(tenant_a, factory)
    resp = _from_time(tenant_a, tax_rate="19")
    assert resp.status_code == 201, resp.text
    invoice = resp.json()
    code = tenant_a.project["code"]
    lines = [
        (ln["description"].split(" (")[0], ln["quantity"], ln["unit_price"], ln["subtotal"])
        for ln in invoice["lines"]
    ]
    assert lines == [
        (f"{code}-1 A task", "3.750", "80.00", "300.00"),
        (f"{code}-2 Backend", "3.000", "80.00", "240.00"),
        (f"{code}: work outside tasks", "0.500", "100.00", "50.00"),
    ]
    assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
        "590.00",
        "112.10",
        "702.10",
    )
    assert (invoice["status"], invoice["customer_id"]) == ("draft", tenant_a.customer["id"])
    invoiced = tenant_a.owner.get(
        "/api/v1/time-entries", ws=tenant_a.ws, params={"invoiced": "true", "limit": 200}
    ).json()
    assert {e["id"] for e in invoiced["items"]} == {
        tenant_a.entry["id"],
        made["same_task"]["id"],
        made["other_task"]["id"],
        made["no_task"]["id"],
    }
    assert {e["invoice_id"] for e in invoiced["items"]} == {invoice["id"]}
    again = _from_time(tenant_a)
    assert (again.status_code, again.json()["error"]["code"]) == (422, "no_billable_time")


def test_grouped_by_employee(factory: Factory, tenant_a: Tenant) -> None:
    made = _entries(tenant_a, factory)
    resp = _from_time(tenant_a, group_by="employee")
    assert resp.status_code == 201, resp.text
    lines = [(ln["quantity"], ln["unit_price"]) for ln in resp.json()["lines"]]
    # The owner's employee: 3.75 h at 80 and 0.5 h at 100; the other employee 3 h at 80.
    assert sorted(lines) == [("0.500", "100.00"), ("3.000", "80.00"), ("3.750", "80.00")]
    someone = made["someone"]
    assert any(
        f"{someone['first_name']} {someone['last_name']}" in ln["description"]
        for ln in resp.json()["lines"]
    )


def test_deleting_the_draft_frees_the_entries(tenant_a: Tenant) -> None:
    invoice = _from_time(tenant_a).json()
    entry = tenant_a.owner.get(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=tenant_a.ws)
    assert entry.json()["invoice_id"] == invoice["id"]
    deleted = tenant_a.owner.delete(f"/api/v1/invoices/{invoice['id']}", ws=tenant_a.ws)
    assert deleted.status_code == 204
    entry = tenant_a.owner.get(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=tenant_a.ws)
    assert entry.json()["invoice_id"] is None
    assert _from_time(tenant_a).status_code == 201


def test_entries_without_a_rate_are_refused_and_nothing_changes(tenant_a: Tenant) -> None:
    new_time_entry(tenant_a.owner, tenant_a.ws, tenant_a.project, hourly_rate=None)
    before = tenant_a.owner.get("/api/v1/invoices", ws=tenant_a.ws).json()["total"]
    resp = _from_time(tenant_a)
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, "missing_hourly_rate")
    assert tenant_a.owner.get("/api/v1/invoices", ws=tenant_a.ws).json()["total"] == before
    entry = tenant_a.owner.get(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=tenant_a.ws)
    assert entry.json()["invoice_id"] is None


def test_the_range_must_be_ordered(tenant_a: Tenant) -> None:
    resp = _from_time(tenant_a, **{"from": "2026-03-31", "to": "2026-03-01"})
    assert resp.status_code == 422


def test_voiding_the_issued_invoice_frees_the_entries(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    invoice = _from_time(tenant_a).json()
    issued = owner.post(f"/api/v1/invoices/{invoice['id']}/issue", ws=ws)
    assert issued.status_code == 200
    frozen = owner.patch(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws, json={"hours": "1"})
    assert frozen.status_code == 409
    assert owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=ws).status_code == 200
    entry = owner.get(f"/api/v1/time-entries/{tenant_a.entry['id']}", ws=ws).json()
    assert entry["invoice_id"] is None
    again = _from_time(tenant_a)
    assert again.status_code == 201
    assert [ln["quantity"] for ln in again.json()["lines"]] == ["2.500"]
