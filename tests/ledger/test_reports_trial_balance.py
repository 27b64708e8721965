"""The trial balance: opening, movement and closing per account, from known postings."""

from __future__ import annotations

from typing import Any

from tests.ledger.helpers import Books, post_the_year

AMOUNTS = (
    "opening_debit",
    "opening_credit",
    "movement_debit",
    "movement_credit",
    "closing_debit",
    "closing_credit",
)


def figures(report: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(row["code"], *(row[a] for a in AMOUNTS)) for row in report["rows"]]


def test_the_trial_balance_of_the_fiscal_year_to_date(books: Books) -> None:
    post_the_year(books)
    report = books.report("trial-balance", {"as_of": "2026-03-31"})
    assert (report["currency"], report["as_of"], report["fiscal_year_start"]) == (
        "USD",
        "2026-03-31",
        "2026-01-01",
    )
    assert figures(report) == [
        ("1110", "9700.00", "0.00", "1190.00", "120.00", "10770.00", "0.00"),
        ("1200", "1190.00", "0.00", "500.00", "1190.00", "500.00", "0.00"),
        ("2200", "0.00", "190.00", "0.00", "0.00", "0.00", "190.00"),
        ("3100", "0.00", "10000.00", "0.00", "0.00", "0.00", "10000.00"),
        ("4100", "0.00", "1000.00", "0.00", "0.00", "0.00", "1000.00"),
        ("4200", "0.00", "0.00", "0.00", "500.00", "0.00", "500.00"),
        ("6200", "300.00", "0.00", "0.00", "0.00", "300.00", "0.00"),
        ("6400", "0.00", "0.00", "120.00", "0.00", "120.00", "0.00"),
    ]
    assert report["rows"][0]["name"] == "Bank"
    assert report["rows"][0]["account_id"] == str(books.accounts["1110"])
    assert report["totals"] == {
        "opening_debit": "11190.00",
        "opening_credit": "11190.00",
        "movement_debit": "1810.00",
        "movement_credit": "1810.00",
        "closing_debit": "11690.00",
        "closing_credit": "11690.00",
    }


def test_a_fiscal_year_from_july_moves_the_opening(books: Books) -> None:
    books.set_fiscal_year_start(7)
    post_the_year(books)
    report = books.report("trial-balance", {"as_of": "2026-03-31"})
    assert report["fiscal_year_start"] == "2025-07-01"
    assert figures(report) == [
        ("1110", "10000.00", "0.00", "1190.00", "420.00", "10770.00", "0.00"),
        ("1200", "0.00", "0.00", "1690.00", "1190.00", "500.00", "0.00"),
        ("2200", "0.00", "0.00", "0.00", "190.00", "0.00", "190.00"),
        ("3100", "0.00", "10000.00", "0.00", "0.00", "0.00", "10000.00"),
        ("4100", "0.00", "0.00", "0.00", "1000.00", "0.00", "1000.00"),
        ("4200", "0.00", "0.00", "0.00", "500.00", "0.00", "500.00"),
        ("6200", "0.00", "0.00", "300.00", "0.00", "300.00", "0.00"),
        ("6400", "0.00", "0.00", "120.00", "0.00", "120.00", "0.00"),
    ]
    totals = report["totals"]
    assert (totals["opening_debit"], totals["movement_debit"], totals["closing_debit"]) == (
        "10000.00",
        "3300.00",
        "11690.00",
    )


def test_debits_equal_credits_on_every_day(books: Books) -> None:
    post_the_year(books)
    for day in ("2025-06-09", "2025-06-10", "2025-12-31", "2026-01-01", "2026-04-10"):
        totals = books.report("trial-balance", {"as_of": day})["totals"]
        assert totals["opening_debit"] == totals["opening_credit"], day
        assert totals["movement_debit"] == totals["movement_credit"], day
        assert totals["closing_debit"] == totals["closing_credit"], day
    assert books.report("trial-balance", {"as_of": "2025-06-09"})["rows"] == []


def test_a_report_reads_one_currency(books: Books) -> None:
    post_the_year(books)
    report = books.report("trial-balance", {"as_of": "2026-03-31", "currency": "eur"})
    assert report["currency"] == "EUR"
    assert figures(report) == [
        ("1110", "0.00", "0.00", "77.00", "0.00", "77.00", "0.00"),
        ("4100", "0.00", "0.00", "0.00", "77.00", "0.00", "77.00"),
    ]


def test_the_csv_has_the_json_figures(books: Books) -> None:
    post_the_year(books)
    params = {"as_of": "2026-03-31"}
    report = books.report("trial-balance", params)
    rows = books.csv("trial-balance", params)
    assert [(r["code"], *(r[a] for a in AMOUNTS)) for r in rows[:-1]] == figures(report)
    assert rows[0]["name"] == "Bank"
    assert rows[-1] == {"code": "", "name": "Total", "type": "", **report["totals"]}
