"""The receivables aging: each issued invoice's balance on the day, by days past due, per
customer; its grand total is the receivables account's balance in the trial balance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from atlas.config import Settings
from tests.factories import Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice, today_utc
from tests.ledger.helpers import Books, new_books

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total")
AS_OF = "2026-06-30"


@pytest.fixture
def books(factory: Factory, database: Settings) -> Books:
    return new_books(factory, database)


@dataclass
class Receivables:
    """Documents made through the finance API; each posts its own entry to the books."""

    books: Books

    def invoice(
        self, customer: dict[str, Any], key: str, issued: str, due: str, amount: str
    ) -> dict[str, Any]:
        owner, ws = self.books.owner, self.books.ws
        draft = new_invoice(
            owner, ws, customer, issue_date=issued, due_date=due, lines=[line("1", amount)]
        )
        return issue(owner, ws, draft)

    def payment(self, invoice: dict[str, Any], key: str, paid_on: str, amount: str) -> str:
        resp = self.books.owner.post(
            f"/api/v1/invoices/{invoice['id']}/payments",
            ws=self.books.ws,
            json={"amount": amount, "paid_on": paid_on},
        )
        assert resp.status_code == 201, resp.text
        payment_id: str = resp.json()["id"]
        return payment_id

    def reverse_payment(self, invoice: dict[str, Any], payment_id: str, on: str) -> None:
        resp = self.books.owner.post(
            f"/api/v1/invoices/{invoice['id']}/payments/{payment_id}/reverse",
            ws=self.books.ws,
            json={"reversed_on": on},
        )
        assert resp.status_code == 200, resp.text

    def credit_note(self, invoice: dict[str, Any], issued: str, amount: str) -> None:
        resp = self.books.owner.post(
            f"/api/v1/invoices/{invoice['id']}/credit-notes",
            ws=self.books.ws,
            json={"reason": "Credit", "issue_date": issued, "lines": [line("1", amount)]},
        )
        assert resp.status_code == 201, resp.text

    def void(self, invoice: dict[str, Any]) -> None:
        resp = self.books.owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=self.books.ws)
        assert resp.status_code == 200, resp.text


def make_receivables(books: Books) -> Receivables:
    """Alpha and Beta's invoices, as of 2026-06-30:

    A1 100 due 07-01 (current); A2 200 due 06-30, the day itself (current); A3 300 due
    05-15, 100 paid 06-01 (200, 46 days: 31-60); A4 60 due 06-20, paid 07-05 (60, 10 days:
    1-30); A5 70 due 07-10, paid 06-12 and the payment reversed 06-20 (70, current);
    B1 400 due 02-09, credited 150 on 06-01 (250, 141 days: over 90); B2 50 due 06-10,
    credited in full 07-02 (50, 20 days: 1-30); B3 80 due 04-10 (80, 81 days: 61-90);
    B4 90 due 07-25, voided today (90, current); a draft, never owed.
    """
    receivables = Receivables(books)
    owner, ws = books.owner, books.ws
    alpha = new_customer(owner, ws, name="Alpha")
    beta = new_customer(owner, ws, name="beta")
    receivables.invoice(alpha, "A1", "2026-06-01", "2026-07-01", "100.00")
    receivables.invoice(alpha, "A2", "2026-05-01", "2026-06-30", "200.00")
    a3 = receivables.invoice(alpha, "A3", "2026-04-01", "2026-05-15", "300.00")
    receivables.payment(a3, "A3-paid", "2026-06-01", "100.00")
    a4 = receivables.invoice(alpha, "A4", "2026-06-05", "2026-06-20", "60.00")
    receivables.payment(a4, "A4-paid", "2026-07-05", "60.00")
    a5 = receivables.invoice(alpha, "A5", "2026-06-10", "2026-07-10", "70.00")
    a5_paid = receivables.payment(a5, "A5-paid", "2026-06-12", "70.00")
    receivables.reverse_payment(a5, a5_paid, "2026-06-20")
    b1 = receivables.invoice(beta, "B1", "2026-01-10", "2026-02-09", "400.00")
    receivables.credit_note(b1, "2026-06-01", "150.00")
    b2 = receivables.invoice(beta, "B2", "2026-05-20", "2026-06-10", "50.00")
    receivables.credit_note(b2, "2026-07-02", "50.00")
    receivables.invoice(beta, "B3", "2026-03-01", "2026-04-10", "80.00")
    b4 = receivables.invoice(beta, "B4", "2026-06-25", "2026-07-25", "90.00")
    receivables.void(b4)
    new_invoice(owner, ws, alpha, lines=[line("1", "999.00")])
    return receivables


def aging(books: Books, params: dict[str, str]) -> dict[str, Any]:
    return books.report("receivables-aging", params)


def buckets(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row[b] for b in BUCKETS)


def test_balances_by_days_past_due(books: Books) -> None:
    make_receivables(books)
    report = aging(books, {"as_of": AS_OF})
    assert (report["currency"], report["as_of"]) == ("USD", AS_OF)
    assert [(c["customer_name"], *buckets(c)) for c in report["customers"]] == [
        ("Alpha", "370.00", "60.00", "200.00", "0.00", "0.00", "630.00"),
        ("beta", "90.00", "50.00", "0.00", "80.00", "250.00", "470.00"),
    ]
    assert buckets(report["totals"]) == (
        "460.00",
        "110.00",
        "200.00",
        "80.00",
        "250.00",
        "1100.00",
    )


def test_today_the_paid_credited_and_voided_are_gone(books: Books) -> None:
    make_receivables(books)
    report = aging(books, {})
    assert report["as_of"] == today_utc().isoformat()
    assert [(c["customer_name"], c["total"]) for c in report["customers"]] == [
        ("Alpha", "570.00"),
        ("beta", "330.00"),
    ]


@pytest.mark.parametrize("as_of", [AS_OF, "2026-06-11", "2026-07-03", None])
def test_the_grand_total_is_the_receivables_balance(books: Books, as_of: str | None) -> None:
    make_receivables(books)
    params = {"as_of": as_of} if as_of else {}
    trial_balance = books.report("trial-balance", params)
    (receivables,) = [r for r in trial_balance["rows"] if r["code"] == "1200"]
    owed = Decimal(receivables["closing_debit"]) - Decimal(receivables["closing_credit"])
    assert Decimal(aging(books, params)["totals"]["total"]) == owed


def test_another_currency_is_aged_apart(books: Books) -> None:
    make_receivables(books)
    euro = new_customer(books.owner, books.ws, name="Gamma", currency="EUR")
    issue(
        books.owner,
        books.ws,
        new_invoice(
            books.owner,
            books.ws,
            euro,
            issue_date="2026-06-01",
            due_date="2026-06-15",
        ),
    )
    report = aging(books, {"as_of": AS_OF, "currency": "EUR"})
    assert [(c["customer_name"], *buckets(c)) for c in report["customers"]] == [
        ("Gamma", "0.00", "100.00", "0.00", "0.00", "0.00", "100.00"),
    ]
    assert aging(books, {"as_of": AS_OF})["totals"]["total"] == "1100.00"


def test_the_csv_has_the_json_figures(books: Books) -> None:
    make_receivables(books)
    report = aging(books, {"as_of": AS_OF})
    rows = books.csv("receivables-aging", {"as_of": AS_OF})
    assert [(r["customer_id"], r["customer"], *buckets(r)) for r in rows] == [
        *((c["customer_id"], c["customer_name"], *buckets(c)) for c in report["customers"]),
        ("", "Total", *buckets(report["totals"])),
    ]
