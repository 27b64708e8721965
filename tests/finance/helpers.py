"""Finance test data, made through the API; workspace snapshots."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql
from tests.timesheets.helpers import new_employee, new_time_entry

FINANCE_TABLES = (
    "customers",
    "invoices",
    "invoice_lines",
    "payments",
    "credit_notes",
    "credit_note_lines",
    "invoice_sends",
    "journal_entries",
    "journal_lines",
    "time_entries",
    "number_sequences",
)


def today_utc() -> Any:
    return datetime.now(UTC).date()


def new_customer(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": f"Customer {secrets.token_hex(4)}", **fields}
    resp = actor.post("/api/v1/customers", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    customer: dict[str, Any] = resp.json()
    return customer


def many_customers(sql: Sql, ws: dict[str, Any], count: int, prefix: str) -> list[dict[str, Any]]:
    """`count` customers of `ws` in one statement ("{prefix} 0001", ...), in name order."""
    customers = [
        {"workspace_id": ws["id"], "id": uuid7(), "name": f"{prefix} {n:04d}", "currency": "EUR"}
        for n in range(1, count + 1)
    ]
    return sql.insert_rows("customers", customers, returning="id, name", workspace=ws["id"])


def line(quantity: str, unit_price: str, tax_rate: str = "0", text: str = "Work") -> dict[str, str]:
    return {
        "description": text,
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate": tax_rate,
    }


def new_invoice(
    actor: Actor, ws: dict[str, Any], customer: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"customer_id": customer["id"], "lines": [line("1", "100.00")], **fields}
    resp = actor.post("/api/v1/invoices", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    invoice: dict[str, Any] = resp.json()
    return invoice


def issue(actor: Actor, ws: dict[str, Any], invoice: dict[str, Any]) -> dict[str, Any]:
    resp = actor.post(f"/api/v1/invoices/{invoice['id']}/issue", ws=ws)
    assert resp.status_code == 200, resp.text
    issued: dict[str, Any] = resp.json()
    return issued


@dataclass
class Tenant:
    """A workspace with its owner (linked to an employee), a project with a task, two
    customers (one without invoices), a draft, an issued invoice and an uninvoiced entry."""

    ws: dict[str, Any]
    owner: Actor
    employee: dict[str, Any]
    project: dict[str, Any]
    task: dict[str, Any]
    customer: dict[str, Any]
    spare_customer: dict[str, Any]
    draft: dict[str, Any]
    issued: dict[str, Any]
    entry: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(factory.sql, ws, owner)
    project = new_project(owner, ws)
    task = new_task(owner, ws, project)
    customer = new_customer(owner, ws)
    spare = new_customer(owner, ws)
    draft = new_invoice(owner, ws, customer)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    entry = new_time_entry(owner, ws, project, task_id=task["id"])
    return Tenant(ws, owner, employee, project, task, customer, spare, draft, issued, entry)


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every finance row of `ws` (and its counters), read as the owner role."""
    return table_snapshot(sql, ws, FINANCE_TABLES)
