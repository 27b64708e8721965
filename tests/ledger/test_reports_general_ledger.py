"""The general ledger: an account's lines with the running balance, paged."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from atlas.db.ids import uuid7
from atlas.ledger.tables import SourceType
from tests.finance.helpers import new_customer
from tests.ledger.helpers import Books, post_the_year

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def ledger(books: Books, code: str, params: dict[str, str]) -> dict[str, Any]:
    return books.report("general-ledger", {"account_id": str(books.accounts[code]), **params})


def moves(report: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [
        (line["entry_date"], line["number"], line["debit"], line["credit"], line["balance"])
        for line in report["items"]
    ]


def test_the_bank_account_from_the_fiscal_year_start(books: Books) -> None:
    post_the_year(books)
    report = ledger(books, "1110", {"to": "2026-03-31"})
    assert report["account"] == {
        "id": str(books.accounts["1110"]),
        "code": "1110",
        "name": "Bank",
        "type": "asset",
    }
    assert (report["currency"], report["period"]) == (
        "USD",
        {"start": "2026-01-01", "end": "2026-03-31"},
    )
    assert report["opening_balance"] == "9700.00"
    assert moves(report) == [
        ("2026-02-01", "JE-2026-0001", "1190.00", "0.00", "10890.00"),
        ("2026-03-01", "JE-2026-0003", "0.00", "120.00", "10770.00"),
    ]
    totals = (report["debit_total"], report["credit_total"], report["closing_balance"])
    assert totals == ("1190.00", "120.00", "10770.00")
    assert (report["total"], report["limit"], report["offset"]) == (2, 50, 0)


def test_a_credit_account_shows_credit_positive_balances(books: Books) -> None:
    post_the_year(books)
    report = ledger(books, "2200", {"from": "2025-01-01", "to": "2025-12-31"})
    assert report["opening_balance"] == "0.00"
    assert moves(report) == [("2025-11-05", "JE-2025-0002", "0.00", "190.00", "190.00")]
    assert report["closing_balance"] == "190.00"


def post_march(books: Books) -> None:
    """Cash lines posted out of date order; one before March."""
    books.post(date(2026, 3, 5), ("1120", "10.00", "0"), ("4100", "0", "10.00"))
    books.post(date(2026, 3, 2), ("1120", "20.00", "0"), ("4100", "0", "20.00"))
    books.post(date(2026, 3, 5), ("6200", "5.00", "0"), ("1120", "0", "5.00"))
    books.post(date(2026, 3, 1), ("1120", "100.00", "0"), ("3100", "0", "100.00"))
    books.post(date(2026, 2, 20), ("1120", "1000.00", "0"), ("3100", "0", "1000.00"))
    books.post(date(2026, 3, 5), ("1120", "1.00", "0"), ("4100", "0", "1.00"))


def test_lines_run_in_date_and_number_order(books: Books) -> None:
    post_march(books)
    report = ledger(books, "1120", MARCH)
    assert report["opening_balance"] == "1000.00"
    assert moves(report) == [
        ("2026-03-01", "JE-2026-0004", "100.00", "0.00", "1100.00"),
        ("2026-03-02", "JE-2026-0002", "20.00", "0.00", "1120.00"),
        ("2026-03-05", "JE-2026-0001", "10.00", "0.00", "1130.00"),
        ("2026-03-05", "JE-2026-0003", "0.00", "5.00", "1125.00"),
        ("2026-03-05", "JE-2026-0006", "1.00", "0.00", "1126.00"),
    ]
    assert report["closing_balance"] == "1126.00"


def test_the_running_balance_holds_across_pages(books: Books) -> None:
    post_march(books)
    whole = moves(ledger(books, "1120", MARCH))
    pages = [ledger(books, "1120", {**MARCH, "limit": "2", "offset": str(n)}) for n in (0, 2, 4)]
    assert [moves(page) for page in pages] == [whole[0:2], whole[2:4], whole[4:]]
    for page in pages:
        assert (page["total"], page["limit"], page["opening_balance"]) == (5, 2, "1000.00")
        assert page["closing_balance"] == "1126.00"
        assert (page["debit_total"], page["credit_total"]) == ("131.00", "5.00")
    past = ledger(books, "1120", {**MARCH, "limit": "2", "offset": "6"})
    assert (past["items"], past["total"], past["closing_balance"]) == ([], 5, "1126.00")


def test_a_line_leads_to_its_document(books: Books) -> None:
    customer = new_customer(books.owner, books.ws)
    invoice_id = uuid7()
    entry = books.post(
        date(2026, 3, 3),
        ("1200", "119.00", "0"),
        ("4100", "0", "119.00"),
        memo="INV-2026-0001",
        source_type=SourceType.INVOICE,
        source_id=invoice_id,
        customer_id=uuid.UUID(customer["id"]),
    )
    (line,) = ledger(books, "1200", MARCH)["items"]
    assert line == {
        "entry_id": str(entry["id"]),
        "number": "JE-2026-0001",
        "entry_date": "2026-03-03",
        "memo": "INV-2026-0001",
        "description": "1200 line",
        "debit": "119.00",
        "credit": "0.00",
        "balance": "119.00",
        "source_type": "invoice",
        "source_id": str(invoice_id),
        "customer_id": customer["id"],
        "project_id": None,
        "employee_id": None,
    }


def test_the_csv_has_the_json_figures(books: Books) -> None:
    post_march(books)
    params = {"account_id": str(books.accounts["1120"]), **MARCH, "limit": "2", "offset": "2"}
    report = books.report("general-ledger", params)
    rows = books.csv("general-ledger", params)
    assert [
        (r["entry_date"], r["number"], r["debit"], r["credit"], r["balance"]) for r in rows
    ] == [
        ("2026-03-01", "", "", "", "1000.00"),
        *moves(report),
        ("2026-03-31", "", "131.00", "5.00", "1126.00"),
    ]
    assert (rows[0]["memo"], rows[-1]["memo"]) == ("Opening balance", "Closing balance")
    assert rows[1]["entry_id"] == report["items"][0]["entry_id"]
    assert rows[1]["source_type"] == "manual"
