"""Reversing a payment: the invoice awaits it again, the payment stays (marked), and its
entry is reversed on the day given; once only; a closed period refuses it whole."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.factories import Actor, Factory
from tests.finance.books import entry_of, lines_of, lock_books
from tests.finance.helpers import issue, new_customer, new_invoice, snapshot, today_utc
from tests.sql import Sql


def _paid(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An invoice of 100.00 issued on 2026-03-02 and paid in full on 2026-04-01."""
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws)
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, issue_date="2026-03-02"))
    payment = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-04-01"},
    ).json()
    return owner, ws, invoice, payment


def _reverse(
    owner: Actor, ws: dict[str, Any], invoice: dict[str, Any], payment: dict[str, Any], **body: Any
) -> httpx.Response:
    return owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments/{payment['id']}/reverse", ws=ws, json=body
    )


def test_a_reversed_payment_is_awaited_again_and_its_entry_reversed(
    factory: Factory, sql: Sql
) -> None:
    owner, ws, invoice, payment = _paid(factory)
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "paid"
    resp = _reverse(owner, ws, invoice, payment, reversed_on="2026-04-05")
    assert resp.status_code == 200, resp.text
    reversed_payment = resp.json()
    assert reversed_payment["reversed_on"] == "2026-04-05"
    assert (reversed_payment["id"], reversed_payment["amount"]) == (payment["id"], "100.00")
    after = owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()
    assert (after["status"], after["amount_paid"], after["balance"]) == ("issued", "0.00", "100.00")
    assert after["payments"] == [reversed_payment]
    listed = owner.get(f"/api/v1/invoices/{invoice['id']}/payments", ws=ws).json()
    assert listed == [reversed_payment]
    received = entry_of(sql, ws, "payment", payment["id"])
    reversal = entry_of(sql, ws, "reversal", received["id"])
    assert (reversal["entry_date"], reversal["reverses_entry_id"], reversal["number"]) == (
        date(2026, 4, 5),
        received["id"],
        "JE-2026-0003",
    )
    assert lines_of(sql, ws, reversal) == [
        ("1110", "0.00", "100.00", None),
        ("1200", "100.00", "0.00", invoice["customer_id"]),
    ]
    again = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-04-06"},
    )
    assert again.status_code == 201
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "paid"


def test_a_payment_is_reversed_once(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice, payment = _paid(factory)
    assert _reverse(owner, ws, invoice, payment).status_code == 200
    before = snapshot(sql, ws)
    twice = _reverse(owner, ws, invoice, payment)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "payment_already_reversed")
    assert snapshot(sql, ws) == before


def test_the_reversal_is_dated_today_unless_given_and_not_before_the_payment(
    factory: Factory, sql: Sql
) -> None:
    owner, ws, invoice, payment = _paid(factory)
    early = _reverse(owner, ws, invoice, payment, reversed_on="2026-03-31")
    assert (early.status_code, early.json()["error"]["details"][0]["field"]) == (
        422,
        "reversed_on",
    )
    resp = owner.post(f"/api/v1/invoices/{invoice['id']}/payments/{payment['id']}/reverse", ws=ws)
    assert resp.status_code == 200, resp.text
    received = entry_of(sql, ws, "payment", payment["id"])
    assert entry_of(sql, ws, "reversal", received["id"])["entry_date"] == today_utc()


def test_a_payment_of_another_invoice_is_not_found(factory: Factory) -> None:
    owner, ws, invoice, payment = _paid(factory)
    other = issue(owner, ws, new_invoice(owner, ws, {"id": invoice["customer_id"]}))
    resp = _reverse(owner, ws, other, payment)
    assert (resp.status_code, resp.json()["error"]["code"]) == (404, "not_found")


def test_a_reversal_in_a_closed_period_changes_nothing(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice, payment = _paid(factory)
    lock_books(sql, ws, date(2026, 4, 30))
    before = snapshot(sql, ws)
    refused = _reverse(owner, ws, invoice, payment, reversed_on="2026-04-30")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "period_locked")
    assert snapshot(sql, ws) == before
    assert _reverse(owner, ws, invoice, payment, reversed_on="2026-05-01").status_code == 200
