"""The balance sheet: assets, liabilities and equity with the earnings computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.ledger.helpers import Books, post_the_year


def post_to_retained_earnings(books: Books) -> None:
    """50 moved into retained earnings by hand, as a migration of old books would."""
    books.post(date(2025, 12, 31), ("3900", "50.00", "0"), ("3200", "0", "50.00"))


def section(report: dict[str, Any], name: str) -> list[tuple[Any, ...]]:
    return [
        (group["code"], line["code"], line["name"], line["amount"], line["computed"])
        for group in report[name]["groups"]
        for line in group["lines"]
    ]


def test_the_balance_sheet_computes_the_earnings(books: Books) -> None:
    post_the_year(books)
    post_to_retained_earnings(books)
    report = books.report("balance-sheet", {"as_of": "2026-03-31"})
    assert (report["currency"], report["as_of"], report["fiscal_year_start"]) == (
        "USD",
        "2026-03-31",
        "2026-01-01",
    )
    assert section(report, "assets") == [
        ("1100", "1110", "Bank", "10770.00", False),
        ("1100", "1200", "Accounts receivable", "500.00", False),
    ]
    assert section(report, "liabilities") == [("2000", "2200", "Tax payable", "190.00", False)]
    # Retained: 50 of its own + (1000 - 300) earned before 2026; current: 500 - 120.
    assert section(report, "equity") == [
        ("3000", "3100", "Owner's capital", "10000.00", False),
        ("3000", "3200", "Retained earnings", "750.00", True),
        ("3000", None, "Current-year earnings", "380.00", True),
        ("3000", "3900", "Opening balances", "-50.00", False),
    ]
    equity = report["equity"]["groups"][0]
    assert (equity["name"], equity["account_id"]) == ("Equity", str(books.accounts["3000"]))
    assert equity["lines"][1]["account_id"] == str(books.accounts["3200"])
    assert equity["lines"][2]["account_id"] is None
    totals = [report[s]["total"] for s in ("assets", "liabilities", "equity")]
    assert totals == ["11270.00", "190.00", "11080.00"]
    assert report["liabilities_and_equity"] == "11270.00"


def test_a_fiscal_year_from_july_splits_the_earnings_there(books: Books) -> None:
    books.set_fiscal_year_start(7)
    post_the_year(books)
    post_to_retained_earnings(books)
    report = books.report("balance-sheet", {"as_of": "2026-03-31"})
    assert report["fiscal_year_start"] == "2025-07-01"
    assert section(report, "equity")[1:3] == [
        ("3000", "3200", "Retained earnings", "50.00", True),
        ("3000", None, "Current-year earnings", "1080.00", True),
    ]
    assert report["liabilities_and_equity"] == report["assets"]["total"] == "11270.00"


def test_assets_equal_liabilities_and_equity_on_every_day(books: Books) -> None:
    post_the_year(books)
    post_to_retained_earnings(books)
    for month in (1, 7, 12):
        books.set_fiscal_year_start(month)
        for day in ("2025-06-10", "2025-11-30", "2025-12-31", "2026-02-01", "2026-12-31"):
            for currency in ("USD", "EUR"):
                params = {"as_of": day, "currency": currency}
                report = books.report("balance-sheet", params)
                assets = Decimal(report["assets"]["total"])
                liabilities = Decimal(report["liabilities"]["total"])
                equity = Decimal(report["equity"]["total"])
                assert assets == liabilities + equity, (month, params)
                assert report["liabilities_and_equity"] == report["assets"]["total"]


def test_empty_books_show_the_earnings_lines_at_zero(books: Books) -> None:
    report = books.report("balance-sheet", {"as_of": "2026-03-31"})
    assert (report["assets"]["groups"], report["liabilities"]["groups"]) == ([], [])
    assert section(report, "equity") == [
        ("3000", "3200", "Retained earnings", "0.00", True),
        ("3000", None, "Current-year earnings", "0.00", True),
    ]
    assert report["liabilities_and_equity"] == report["assets"]["total"] == "0.00"


def test_without_a_retained_earnings_account_the_earnings_stand_apart(books: Books) -> None:
    books.sql.owner(
        "UPDATE accounts SET system_role = NULL WHERE workspace_id = %s AND code = '3200'",
        books.ws["id"],
        workspace=books.ws["id"],
    )
    post_the_year(books)
    post_to_retained_earnings(books)
    report = books.report("balance-sheet", {"as_of": "2026-03-31"})
    assert section(report, "equity") == [
        ("3000", "3100", "Owner's capital", "10000.00", False),
        ("3000", "3200", "Retained earnings", "50.00", False),
        ("3000", "3900", "Opening balances", "-50.00", False),
        (None, None, "Retained earnings", "700.00", True),
        (None, None, "Current-year earnings", "380.00", True),
    ]
    assert report["equity"]["total"] == "11080.00"


def test_the_csv_has_the_json_figures(books: Books) -> None:
    post_the_year(books)
    params = {"as_of": "2026-03-31"}
    report = books.report("balance-sheet", params)
    rows = books.csv("balance-sheet", params)
    assert [(r["section"], r["group"], r["code"], r["name"], r["amount"]) for r in rows] == [
        ("Assets", "Current assets", "1110", "Bank", "10770.00"),
        ("Assets", "Current assets", "1200", "Accounts receivable", "500.00"),
        ("Assets", "Current assets", "", "Total", "11270.00"),
        ("Assets", "", "", "Total assets", report["assets"]["total"]),
        ("Liabilities", "Liabilities", "2200", "Tax payable", "190.00"),
        ("Liabilities", "Liabilities", "", "Total", "190.00"),
        ("Liabilities", "", "", "Total liabilities", "190.00"),
        ("Equity", "Equity", "3100", "Owner's capital", "10000.00"),
        ("Equity", "Equity", "3200", "Retained earnings", "700.00"),
        ("Equity", "Equity", "", "Current-year earnings", "380.00"),
        ("Equity", "Equity", "", "Total", "11080.00"),
        ("Equity", "", "", "Total equity", "11080.00"),
        ("", "", "", "Total liabilities and equity", "11270.00"),
    ]
