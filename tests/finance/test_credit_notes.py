"""Credit notes: within the invoice's balance, numbered CN-<year>-<n>, posted as the mirror
of what they credit; the invoice paid or void once nothing is left; void is a credit note
of the whole invoice; the list and the detail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.access import error_code
from tests.factories import Actor, Factory
from tests.finance.books import account_id, entry_of, lines_of, lock_books
from tests.finance.helpers import issue, line, new_customer, new_invoice, snapshot, today_utc
from tests.sql import Sql


def _issued(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    """A workspace's invoice of 240.00 (200.00 and 20 % tax), issued on 2026-03-02."""
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, currency="EUR")
    draft = new_invoice(
        owner, ws, customer, issue_date="2026-03-02", lines=[line("2", "100.00", "20")]
    )
    return owner, ws, issue(owner, ws, draft)


def _credit(
    owner: Actor, ws: dict[str, Any], invoice: dict[str, Any], *lines: dict[str, Any], **fields: Any
) -> httpx.Response:
    body = {"reason": "Returned", "issue_date": "2026-03-10", "lines": list(lines), **fields}
    return owner.post(f"/api/v1/invoices/{invoice['id']}/credit-notes", ws=ws, json=body)


def _invoice(owner: Actor, ws: dict[str, Any], invoice: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()
    return body


def test_a_credit_note_lowers_the_balance_and_posts_the_mirror(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    made = _credit(owner, ws, invoice, line("1", "100.00", "20", text="One returned"))
    assert made.status_code == 201, made.text
    note = made.json()
    assert (note["number"], note["issue_date"], note["currency"]) == (
        "CN-2026-0001",
        "2026-03-10",
        "EUR",
    )
    assert (note["subtotal"], note["tax_total"], note["total"]) == ("100.00", "20.00", "120.00")
    assert (note["invoice_id"], note["invoice_number"], note["reason"]) == (
        invoice["id"],
        invoice["number"],
        "Returned",
    )
    assert note["customer_id"] == invoice["customer_id"]
    assert [(n["description"], n["income_account_id"]) for n in note["lines"]] == [
        ("One returned", account_id(sql, ws, "4100"))
    ]
    after = _invoice(owner, ws, invoice)
    assert (after["status"], after["amount_credited"], after["balance"]) == (
        "issued",
        "120.00",
        "120.00",
    )
    entry = entry_of(sql, ws, "credit_note", note["id"])
    assert (entry["number"], entry["entry_date"], entry["source_event"]) == (
        "JE-2026-0002",
        date(2026, 3, 10),
        "issued",
    )
    assert lines_of(sql, ws, entry) == [
        ("1200", "0.00", "120.00", invoice["customer_id"]),
        ("4100", "100.00", "0.00", None),
        ("2200", "20.00", "0.00", None),
    ]
    assert owner.get(f"/api/v1/credit-notes/{note['id']}", ws=ws).json() == note


def test_a_credit_note_may_not_exceed_the_balance(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    paid = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-03-05"},
    )
    assert paid.status_code == 201
    before = snapshot(sql, ws)
    too_much = _credit(owner, ws, invoice, line("1", "140.01"))
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (
        422,
        "credit_exceeds_balance",
    )
    assert too_much.json()["error"]["details"] == [
        {"field": "lines", "message": "the total may be at most 140.00"}
    ]
    assert snapshot(sql, ws) == before


def test_crediting_the_rest_makes_it_paid_if_anything_was_paid(factory: Factory) -> None:
    owner, ws, invoice = _issued(factory)
    owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=ws,
        json={"amount": "100.00", "paid_on": "2026-03-05"},
    )
    rest = _credit(owner, ws, invoice, line("1", "140.00"))
    assert rest.status_code == 201, rest.text
    after = _invoice(owner, ws, invoice)
    assert (after["status"], after["balance"], after["voided_at"]) == ("paid", "0.00", None)
    again = _credit(owner, ws, invoice, line("1", "0.01"))
    assert (again.status_code, again.json()["error"]["code"]) == (422, "credit_exceeds_balance")


def test_crediting_everything_with_nothing_paid_makes_it_void(factory: Factory) -> None:
    owner, ws, invoice = _issued(factory)
    first = _credit(owner, ws, invoice, line("1", "100.00", "20"))
    second = _credit(owner, ws, invoice, line("1", "100.00", "20"), issue_date="2026-03-11")
    assert [first.json()["number"], second.json()["number"]] == ["CN-2026-0001", "CN-2026-0002"]
    after = _invoice(owner, ws, invoice)
    assert (after["status"], after["amount_credited"], after["balance"]) == (
        "void",
        "240.00",
        "0.00",
    )
    assert after["voided_at"] is not None
    assert after["number"] == invoice["number"]
    closed = _credit(owner, ws, invoice, line("1", "1.00"))
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "invoice_not_creditable")


def test_drafts_take_no_credit_notes_and_the_body_is_checked(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    customer = {"id": invoice["customer_id"]}
    draft = new_invoice(owner, ws, customer)
    refused = _credit(owner, ws, draft, line("1", "1.00"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invoice_not_creditable")
    early = _credit(owner, ws, invoice, line("1", "1.00"), issue_date="2026-03-01")
    assert (early.status_code, early.json()["error"]["details"][0]["field"]) == (
        422,
        "issue_date",
    )
    expense = {**line("1", "1.00"), "income_account_id": account_id(sql, ws, "6200")}
    wrong = _credit(owner, ws, invoice, line("1", "1.00"), expense)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "invalid_income_account")
    assert wrong.json()["error"]["details"][0]["field"] == "lines.1.income_account_id"
    empty = _credit(owner, ws, invoice)
    assert (empty.status_code, empty.json()["error"]["details"][0]["field"]) == (
        422,
        "body.lines",
    )
    nothing = _credit(owner, ws, invoice, line("1", "0.00"))
    assert (nothing.status_code, nothing.json()["error"]["details"][0]["field"]) == (422, "lines")
    assert _invoice(owner, ws, invoice)["amount_credited"] == "0.00"


def test_a_credit_note_is_dated_on_or_after_its_invoice(factory: Factory) -> None:
    owner, ws, invoice = _issued(factory)
    early = _credit(owner, ws, invoice, line("1", "1.00"), issue_date="2026-03-01")
    assert (early.status_code, error_code(early)) == (422, "validation_error")
    assert early.json()["error"]["details"] == [
        {"field": "issue_date", "message": "must be on or after 2026-03-02"}
    ]
    same_day = _credit(owner, ws, invoice, line("1", "1.00"), issue_date="2026-03-02")
    assert (same_day.status_code, same_day.json()["issue_date"]) == (201, "2026-03-02")
    later = (today_utc() + timedelta(days=10)).isoformat()
    customer = {"id": invoice["customer_id"]}
    future = issue(owner, ws, new_invoice(owner, ws, customer, issue_date=later))
    by_default = _credit(owner, ws, future, line("1", "1.00"), issue_date=None)
    assert (by_default.status_code, by_default.json()["error"]["details"][0]) == (
        422,
        {"field": "issue_date", "message": f"must be on or after {later}"},
    )


def test_a_line_may_name_its_income_account(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    services = account_id(sql, ws, "4200")
    made = _credit(owner, ws, invoice, {**line("1", "10.00"), "income_account_id": services})
    assert made.status_code == 201, made.text
    assert lines_of(sql, ws, entry_of(sql, ws, "credit_note", made.json()["id"])) == [
        ("1200", "0.00", "10.00", invoice["customer_id"]),
        ("4200", "10.00", "0.00", None),
    ]


def test_a_credit_note_in_a_closed_period_changes_nothing(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    lock_books(sql, ws, date(2026, 3, 10))
    before = snapshot(sql, ws)
    refused = _credit(owner, ws, invoice, line("1", "10.00"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "period_locked")
    assert snapshot(sql, ws) == before
    later = _credit(owner, ws, invoice, line("1", "10.00"), issue_date="2026-03-11")
    assert later.json()["number"] == "CN-2026-0001"


def test_void_is_a_credit_note_of_the_whole_invoice(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    voided = owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=ws)
    assert voided.status_code == 200, voided.text
    body = voided.json()
    assert (body["status"], body["amount_credited"], body["balance"]) == ("void", "240.00", "0.00")
    notes = owner.get("/api/v1/credit-notes", ws=ws, params={"invoice_id": invoice["id"]}).json()
    assert [(n["reason"], n["total"]) for n in notes["items"]] == [("Void", "240.00")]
    note = owner.get(f"/api/v1/credit-notes/{notes['items'][0]['id']}", ws=ws).json()
    assert [
        (n["description"], n["quantity"], n["unit_price"], n["tax_rate"]) for n in note["lines"]
    ] == [
        (x["description"], x["quantity"], x["unit_price"], x["tax_rate"]) for x in invoice["lines"]
    ]
    issued_entry = lines_of(sql, ws, entry_of(sql, ws, "invoice", invoice["id"]))
    void_entry = lines_of(sql, ws, entry_of(sql, ws, "credit_note", note["id"]))
    assert void_entry == [(code, credit, debit, c) for code, debit, credit, c in issued_entry]


def test_an_invoice_credited_in_part_is_not_voided(factory: Factory, sql: Sql) -> None:
    owner, ws, invoice = _issued(factory)
    assert _credit(owner, ws, invoice, line("1", "10.00")).status_code == 201
    before = _invoice(owner, ws, invoice)
    refused = owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=ws)
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "invoice_partly_credited",
        "message": "Credit notes were issued on this invoice; credit the rest with a credit note.",
        "details": [],
    }
    assert _invoice(owner, ws, invoice) == before
    # The rest is credited by a credit note, which closes it.
    rest = _credit(owner, ws, invoice, line("1", before["balance"]))
    assert rest.status_code == 201, rest.text
    assert (_invoice(owner, ws, invoice)["status"], _invoice(owner, ws, invoice)["balance"]) == (
        "void",
        "0.00",
    )


def test_the_list_filters_searches_and_sorts(factory: Factory) -> None:
    owner, ws, invoice = _issued(factory)
    other_customer = new_customer(owner, ws)
    other = issue(owner, ws, new_invoice(owner, ws, other_customer, issue_date="2026-03-02"))
    small = _credit(owner, ws, invoice, line("1", "5.00")).json()
    large = _credit(owner, ws, invoice, line("1", "50.00")).json()
    elsewhere = _credit(owner, ws, other, line("1", "20.00")).json()

    def listed(**params: str) -> list[str]:
        resp = owner.get("/api/v1/credit-notes", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return [n["number"] for n in resp.json()["items"]]

    assert listed(sort="number") == [small["number"], large["number"], elsewhere["number"]]
    assert listed(sort="-total") == [large["number"], elsewhere["number"], small["number"]]
    assert listed(invoice_id=invoice["id"], sort="number") == [small["number"], large["number"]]
    assert listed(customer_id=other_customer["id"]) == [elsewhere["number"]]
    assert listed(q="0003") == [elsewhere["number"]]
    summary = owner.get("/api/v1/credit-notes", ws=ws, params={"q": "0003"}).json()["items"][0]
    assert (summary["customer_name"], summary["invoice_number"]) == (
        other_customer["name"],
        other["number"],
    )
    assert "lines" not in summary
    missing = owner.get(f"/api/v1/credit-notes/{invoice['id']}", ws=ws)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
