"""Dates of invoices and payments stay within the business range."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

from tests.dates import ACCEPTED, DateField, range_cases
from tests.finance.helpers import Tenant, issue, line, new_invoice, snapshot
from tests.sql import Sql

API = "/api/v1"


def _invoice(t: Tenant, **fields: str) -> dict[str, object]:
    return {"customer_id": t.customer["id"], "lines": [line("1", "10.00")], **fields}


ROWS = [
    DateField(
        "POST /invoices issue_date",
        lambda t, d: t.owner.post(f"{API}/invoices", ws=t.ws, json=_invoice(t, issue_date=d)),
        "body.issue_date",
        "issue_date",
    ),
    DateField(
        "POST /invoices due_date",
        lambda t, d: t.owner.post(f"{API}/invoices", ws=t.ws, json=_invoice(t, due_date=d)),
        "body.due_date",
        "due_date",
    ),
    DateField(
        "PATCH /invoices/{id} issue_date",
        lambda t, d: t.owner.patch(
            f"{API}/invoices/{t.draft['id']}", ws=t.ws, json={"issue_date": d}
        ),
        "body.issue_date",
        "issue_date",
    ),
    DateField(
        "PATCH /invoices/{id} due_date",
        lambda t, d: t.owner.patch(
            f"{API}/invoices/{t.draft['id']}", ws=t.ws, json={"due_date": d}
        ),
        "body.due_date",
        "due_date",
    ),
]


def _pay(t: Tenant, invoice: dict[str, Any], day: str) -> httpx.Response:
    return t.owner.post(
        f"{API}/invoices/{invoice['id']}/payments", ws=t.ws, json={"amount": "1.00", "paid_on": day}
    )


# A payment is dated on or after its invoice's issue date, so the accepted edges need an
# invoice issued on the first business day: `test_a_payment_takes_the_edges_of_the_range`.
PAYMENT = [
    DateField(
        "POST /invoices/{id}/payments paid_on",
        lambda t, d: _pay(t, t.issued, d),
        "body.paid_on",
        "paid_on",
    ),
]

# The range of an invoice from time is refused outside the business range; an accepted
# range takes the project's hours, so the accepted edges are the invoice tests' concern.
FROM_TIME = [
    DateField(
        f"POST /invoices/from-time {name}",
        lambda t, d, name=name: t.owner.post(
            f"{API}/invoices/from-time",
            ws=t.ws,
            json={
                "customer_id": t.customer["id"],
                "project_id": t.project["id"],
                "from": "2026-01-01",
                "to": "2026-12-31",
                name: d,
            },
        ),
        f"body.{name}",
    )
    for name in ("from", "to")
]


(
    test_the_edges_of_the_business_range_are_accepted,
    test_dates_outside_the_business_range_are_refused,
) = range_cases(ROWS, snapshot, PAYMENT + FROM_TIME)


def test_a_payment_takes_the_edges_of_the_range(tenant_a: Tenant) -> None:
    first_day = ACCEPTED[0]
    invoice = issue(
        tenant_a.owner,
        tenant_a.ws,
        new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, issue_date=first_day),
    )
    for day in ACCEPTED:
        resp = _pay(tenant_a, invoice, day)
        assert (resp.status_code, resp.json().get("paid_on")) == (201, day), resp.text


@pytest.mark.parametrize("field", ["issue_date", "due_date"])
def test_an_invoice_dated_9999_12_31_cannot_be_made(tenant_a: Tenant, sql: Sql, field: str) -> None:
    """9999-12-31 (Python's date.max) was stored as 'infinity' and then failed to issue."""
    before = snapshot(sql, tenant_a.ws)
    body = _invoice(tenant_a, **{field: "9999-12-31"})
    resp = tenant_a.owner.post(f"{API}/invoices", ws=tenant_a.ws, json=body)
    assert resp.status_code == 422, resp.text
    assert [d["field"] for d in resp.json()["error"]["details"]] == [f"body.{field}"]
    assert snapshot(sql, tenant_a.ws) == before


def test_issuing_refuses_a_due_date_past_the_range(tenant_a: Tenant, sql: Sql) -> None:
    """The due date issuing computes (issue date + payment terms) is held to the range too."""
    draft = new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, issue_date="2200-12-31")
    before = snapshot(sql, tenant_a.ws)
    resp = tenant_a.owner.post(f"{API}/invoices/{draft['id']}/issue", ws=tenant_a.ws)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "date_out_of_range"
    assert error["details"] == [
        {"field": "due_date", "message": "must be between 1900-01-01 and 2200-12-31"}
    ]
    assert snapshot(sql, tenant_a.ws) == before


@pytest.mark.parametrize("day", ["infinity", "-infinity", "2201-01-01", "1899-12-31"])
def test_the_database_refuses_dates_outside_the_range(tenant_a: Tenant, sql: Sql, day: str) -> None:
    """The app role cannot store what the API refuses: no date becomes +/-infinity."""
    for column in ("issue_date", "due_date"):
        with pytest.raises(psycopg.errors.CheckViolation, match=f"ck_invoices_{column}_range"):
            sql.app(
                f"UPDATE invoices SET {column} = %s WHERE id = %s",
                day,
                tenant_a.draft["id"],
                workspace=tenant_a.ws["id"],
            )
