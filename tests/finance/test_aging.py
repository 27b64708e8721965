"""The receivables aging: each issued invoice's balance on the day, by days past due, per
customer; its grand total is the receivables account's balance in the trial balance."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.ledger import service as ledger
from atlas.ledger.tables import SourceType
from tests.factories import Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice, today_utc
from tests.ledger.helpers import Books, in_books, new_books

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total")
AS_OF = "2026-06-30"

Posting = Callable[[asyncpg.Connection, uuid.UUID], Awaitable[Any]]


@pytest.fixture
def books(factory: Factory, database: Settings) -> Books:
    return new_books(factory, database)


@dataclass
class Receivables:
    """Documents made through the finance API, and the entries they post.

    This checkout's finance does not post to the books yet: `postings` are the entries
    its issue, payment, credit note and void would post (receivables against sales and
    the bank), written here with `ledger.service` and posted by `book`. Once finance
    posts them itself, these go.
    """

    books: Books
    postings: list[Posting] = field(default_factory=list)
    entries: dict[str, asyncpg.Record] = field(default_factory=dict)

    def _entry(
        self,
        key: str,
        on: date,
        source: SourceType,
        source_id: uuid.UUID,
        debit: str,
        credit: str,
        amount: str,
        customer_id: uuid.UUID,
    ) -> None:
        accounts = self.books.accounts
        posting = ledger.Posting(
            entry_date=on,
            currency="USD",
            memo=key,
            source_type=source,
            source_id=source_id,
            source_event="posted",
            lines=[
                ledger.PostingLine(accounts[debit], debit=Decimal(amount), customer_id=customer_id),
                ledger.PostingLine(
                    accounts[credit], credit=Decimal(amount), customer_id=customer_id
                ),
            ],
        )

        async def post(db: asyncpg.Connection, ws_id: uuid.UUID) -> None:
            self.entries[key] = await ledger.post(db, ws_id, posting)

        self.postings.append(post)

    def _reversal(self, key: str, of: str, on: date) -> None:
        async def reverse(db: asyncpg.Connection, ws_id: uuid.UUID) -> None:
            self.entries[key] = await ledger.reverse(db, ws_id, self.entries[of], on)

        self.postings.append(reverse)

    def invoice(
        self, customer: dict[str, Any], key: str, issued: str, due: str, amount: str
    ) -> dict[str, Any]:
        owner, ws = self.books.owner, self.books.ws
        draft = new_invoice(
            owner, ws, customer, issue_date=issued, due_date=due, lines=[line("1", amount)]
        )
        invoice = issue(owner, ws, draft)
        customer_id = uuid.UUID(customer["id"])
        self._entry(
            key,
            date.fromisoformat(issued),
            SourceType.INVOICE,
            uuid.UUID(invoice["id"]),
            "1200",
            "4100",
            amount,
            customer_id,
        )
        return invoice

    def payment(self, invoice: dict[str, Any], key: str, paid_on: str, amount: str) -> str:
        resp = self.books.owner.post(
            f"/api/v1/invoices/{invoice['id']}/payments",
            ws=self.books.ws,
            json={"amount": amount, "paid_on": paid_on},
        )
        assert resp.status_code == 201, resp.text
        self._entry(
            key,
            date.fromisoformat(paid_on),
            SourceType.PAYMENT,
            uuid.UUID(resp.json()["id"]),
            "1110",
            "1200",
            amount,
            uuid.UUID(invoice["customer_id"]),
        )
        payment_id: str = resp.json()["id"]
        return payment_id

    def reverse_payment(self, payment_id: str, key: str, of: str, on: str) -> None:
        """No route reverses a payment in this checkout: its mark, and its reversal."""
        self.books.sql.owner(
            "UPDATE payments SET reversed_at = %s WHERE id = %s",
            f"{on} 12:00+00",
            payment_id,
            workspace=self.books.ws["id"],
        )
        self._reversal(key, of, date.fromisoformat(on))

    def credit_note(self, invoice: dict[str, Any], key: str, issued: str, amount: str) -> None:
        """No route issues credit notes in this checkout: the row, as one would write it."""
        note_id = uuid7()
        self.books.sql.owner(
            """INSERT INTO credit_notes (workspace_id, id, invoice_id, number, issue_date,
                   currency, subtotal, tax_total, total)
               VALUES (%s, %s, %s, %s, %s, 'USD', %s, 0, %s)""",
            self.books.ws["id"],
            note_id,
            invoice["id"],
            f"CN-{key}",
            issued,
            amount,
            amount,
            workspace=self.books.ws["id"],
        )
        self._entry(
            key,
            date.fromisoformat(issued),
            SourceType.CREDIT_NOTE,
            note_id,
            "4100",
            "1200",
            amount,
            uuid.UUID(invoice["customer_id"]),
        )

    def void(self, invoice: dict[str, Any], key: str, of: str) -> None:
        resp = self.books.owner.post(f"/api/v1/invoices/{invoice['id']}/void", ws=self.books.ws)
        assert resp.status_code == 200, resp.text
        self._reversal(key, of, today_utc())

    def book(self) -> None:
        async def post_all(db: asyncpg.Connection, ws_id: uuid.UUID) -> None:
            for posting in self.postings:
                await posting(db, ws_id)

        in_books(self.books.database, self.books.ws, post_all)


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
    receivables.reverse_payment(a5_paid, "A5-reversed", "A5-paid", "2026-06-20")
    b1 = receivables.invoice(beta, "B1", "2026-01-10", "2026-02-09", "400.00")
    receivables.credit_note(b1, "B1-credit", "2026-06-01", "150.00")
    b2 = receivables.invoice(beta, "B2", "2026-05-20", "2026-06-10", "50.00")
    receivables.credit_note(b2, "B2-credit", "2026-07-02", "50.00")
    receivables.invoice(beta, "B3", "2026-03-01", "2026-04-10", "80.00")
    b4 = receivables.invoice(beta, "B4", "2026-06-25", "2026-07-25", "90.00")
    receivables.void(b4, "B4-void", "B4")
    new_invoice(owner, ws, alpha, lines=[line("1", "999.00")])
    receivables.book()
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
