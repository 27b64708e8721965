"""What issuing an invoice and recording a payment post to the books: the entry's lines,
its date, currency and number, in the document's transaction (a closed period refuses
both together), and gapless numbers under parallel issues."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.concurrency import send_concurrently
from tests.factories import Actor, Factory
from tests.finance.books import account_id, entries, entry_of, lines_of, lock_books
from tests.finance.helpers import issue, line, new_customer, new_invoice, snapshot
from tests.sql import Sql


def _books_of_one(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    """A workspace with one customer (in EUR) and nothing posted yet."""
    owner = factory.user()
    ws = factory.workspace(owner)
    return owner, ws, new_customer(owner, ws, currency="EUR")


def _with_account(quantity: str, price: str, tax: str, account: str | None) -> dict[str, Any]:
    return {**line(quantity, price, tax), "income_account_id": account}


def test_an_issued_invoice_posts_receivables_income_per_account_and_tax(
    factory: Factory, sql: Sql
) -> None:
    owner, ws, customer = _books_of_one(factory)
    services = account_id(sql, ws, "4200")
    draft = new_invoice(
        owner,
        ws,
        customer,
        issue_date="2026-03-02",
        lines=[
            line("2", "100.00", "20"),
            _with_account("1", "50.00", "0", services),
            line("1", "30.00", "10"),
        ],
    )
    assert [item["income_account_id"] for item in draft["lines"]] == [None, services, None]
    invoice = issue(owner, ws, draft)
    assert (invoice["number"], invoice["total"]) == ("INV-2026-0001", "323.00")
    entry = entry_of(sql, ws, "invoice", invoice["id"])
    assert (entry["number"], entry["entry_date"], entry["currency"]) == (
        "JE-2026-0001",
        date(2026, 3, 2),
        "EUR",
    )
    assert (entry["source_event"], entry["memo"]) == ("issued", "Invoice INV-2026-0001")
    assert lines_of(sql, ws, entry) == [
        ("1200", "323.00", "0.00", customer["id"]),
        ("4100", "0.00", "230.00", None),
        ("4200", "0.00", "50.00", None),
        ("2200", "0.00", "43.00", None),
    ]


def test_the_customers_income_account_is_the_lines_default_and_no_tax_posts_no_line(
    factory: Factory, sql: Sql
) -> None:
    owner, ws, _ = _books_of_one(factory)
    other = account_id(sql, ws, "4900")
    customer = new_customer(owner, ws, income_account_id=other)
    assert customer["income_account_id"] == other
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, issue_date="2026-03-02"))
    entry = entry_of(sql, ws, "invoice", invoice["id"])
    assert lines_of(sql, ws, entry) == [
        ("1200", "100.00", "0.00", customer["id"]),
        ("4900", "0.00", "100.00", None),
    ]


def test_income_accounts_must_be_active_ledger_income_accounts_of_the_workspace(
    factory: Factory, sql: Sql
) -> None:
    owner, ws, customer = _books_of_one(factory)
    elsewhere = factory.workspace(owner)
    sql.app(
        "UPDATE accounts SET is_active = false WHERE workspace_id = %s AND code = '4900'",
        ws["id"],
        workspace=ws["id"],
    )
    for code_or_id in (
        account_id(sql, ws, "6200"),  # an expense account
        account_id(sql, ws, "4000"),  # the income group
        account_id(sql, ws, "4900"),  # inactive
        account_id(sql, elsewhere, "4200"),  # another workspace's
    ):
        made = owner.post(
            "/api/v1/customers", ws=ws, json={"name": "Wrong", "income_account_id": code_or_id}
        )
        assert (made.status_code, made.json()["error"]["code"]) == (422, "invalid_income_account")
        assert made.json()["error"]["details"][0]["field"] == "income_account_id"
    changed = owner.patch(
        f"/api/v1/customers/{customer['id']}",
        ws=ws,
        json={"income_account_id": account_id(sql, ws, "6200")},
    )
    assert (changed.status_code, changed.json()["error"]["code"]) == (
        422,
        "invalid_income_account",
    )
    invoice = owner.post(
        "/api/v1/invoices",
        ws=ws,
        json={
            "customer_id": customer["id"],
            "lines": [
                line("1", "1.00"),
                _with_account("1", "1.00", "0", account_id(sql, ws, "1110")),
            ],
        },
    )
    assert (invoice.status_code, invoice.json()["error"]["code"]) == (
        422,
        "invalid_income_account",
    )
    assert [d["field"] for d in invoice.json()["error"]["details"]] == ["lines.1.income_account_id"]
    cleared = owner.patch(
        f"/api/v1/customers/{customer['id']}", ws=ws, json={"income_account_id": None}
    )
    assert (cleared.status_code, cleared.json()["income_account_id"]) == (200, None)


def test_issuing_into_a_closed_period_changes_nothing(factory: Factory, sql: Sql) -> None:
    owner, ws, customer = _books_of_one(factory)
    draft = new_invoice(owner, ws, customer, issue_date="2026-03-31")
    lock_books(sql, ws, date(2026, 3, 31))
    before = snapshot(sql, ws)
    refused = owner.post(f"/api/v1/invoices/{draft['id']}/issue", ws=ws)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "period_locked")
    assert snapshot(sql, ws) == before
    moved = owner.patch(f"/api/v1/invoices/{draft['id']}", ws=ws, json={"issue_date": "2026-04-01"})
    assert moved.status_code == 200
    issued = issue(owner, ws, draft)
    assert issued["number"] == "INV-2026-0001"  # the refused issue gave its number back
    assert entry_of(sql, ws, "invoice", issued["id"])["number"] == "JE-2026-0001"


def test_a_payment_posts_the_bank_against_receivables(factory: Factory, sql: Sql) -> None:
    owner, ws, customer = _books_of_one(factory)
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, issue_date="2026-03-02"))
    paid = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "30.10", "paid_on": "2026-04-01"},
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["reversed_on"] is None
    entry = entry_of(sql, ws, "payment", paid.json()["id"])
    assert (entry["number"], entry["entry_date"], entry["source_event"]) == (
        "JE-2026-0002",
        date(2026, 4, 1),
        "received",
    )
    assert entry["memo"] == f"Payment on {invoice['number']}"
    assert lines_of(sql, ws, entry) == [
        ("1110", "30.10", "0.00", None),
        ("1200", "0.00", "30.10", customer["id"]),
    ]


def test_a_payment_into_a_closed_period_changes_nothing(factory: Factory, sql: Sql) -> None:
    owner, ws, customer = _books_of_one(factory)
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, issue_date="2026-03-02"))
    lock_books(sql, ws, date(2026, 3, 31))
    before = snapshot(sql, ws)
    refused = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-03-31"},
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "period_locked")
    assert snapshot(sql, ws) == before
    later = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-04-01"},
    )
    assert later.status_code == 201
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "paid"


def test_parallel_issues_take_gapless_invoice_and_entry_numbers(
    server: str, factory: Factory, sql: Sql
) -> None:
    owner, ws, customer = _books_of_one(factory)
    drafts = [new_invoice(owner, ws, customer, issue_date="2026-05-04") for _ in range(32)]
    responses = send_concurrently(
        server, owner, ws, [("POST", f"/api/v1/invoices/{d['id']}/issue", {}) for d in drafts]
    )
    assert [r.status_code for r in responses] == [200] * 32, [r.text for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, 33)]
    posted = entries(sql, ws)
    assert sorted(e["number"] for e in posted) == [f"JE-2026-{n:04d}" for n in range(1, 33)]
    assert {str(e["source_id"]) for e in posted} == {d["id"] for d in drafts}
