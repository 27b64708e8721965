"""Profit and loss: income and expenses by top-level group, beside the previous period."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from atlas.ledger.reports import fiscal_year_start, previous_period
from tests.ledger.helpers import Books, post_the_year

FIRST_QUARTER = {"from": "2026-01-01", "to": "2026-03-31"}


def lines(report: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    return [
        (group["code"], line["code"], line["amount"], line["previous_amount"])
        for group in report["groups"]
        for line in group["lines"]
    ]


def test_a_quarter_beside_the_quarter_before(books: Books) -> None:
    post_the_year(books)
    report = books.report("profit-and-loss", FIRST_QUARTER)
    assert report["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert report["previous_period"] == {"start": "2025-10-01", "end": "2025-12-31"}
    assert lines(report) == [
        ("4000", "4100", "0.00", "1000.00"),
        ("4000", "4200", "500.00", "0.00"),
        ("6000", "6200", "0.00", "300.00"),
        ("6000", "6400", "120.00", "0.00"),
    ]
    groups = [
        (g["code"], g["name"], g["type"], g["total"], g["previous_total"]) for g in report["groups"]
    ]
    assert groups == [
        ("4000", "Income", "income", "500.00", "1000.00"),
        ("6000", "Operating expenses", "expense", "120.00", "300.00"),
    ]
    totals = {k: report[k] for k in ("income", "expense", "net_profit")}
    assert totals == {"income": "500.00", "expense": "120.00", "net_profit": "380.00"}
    previous = {k: report[f"previous_{k}"] for k in ("income", "expense", "net_profit")}
    assert previous == {"income": "1000.00", "expense": "300.00", "net_profit": "700.00"}


def test_without_a_comparison(books: Books) -> None:
    post_the_year(books)
    report = books.report("profit-and-loss", {**FIRST_QUARTER, "compare": "none"})
    assert report["previous_period"] is None
    assert lines(report) == [("4000", "4200", "500.00", None), ("6000", "6400", "120.00", None)]
    assert [g["previous_total"] for g in report["groups"]] == [None, None]
    assert (report["net_profit"], report["previous_net_profit"]) == ("380.00", None)


def test_the_default_is_the_fiscal_year_to_date(books: Books) -> None:
    books.set_fiscal_year_start(7)
    post_the_year(books)
    report = books.report("profit-and-loss", {"to": "2026-03-31"})
    assert report["period"] == {"start": "2025-07-01", "end": "2026-03-31"}
    assert report["previous_period"] == {"start": "2024-10-01", "end": "2025-06-30"}
    assert lines(report) == [
        ("4000", "4100", "1000.00", "0.00"),
        ("4000", "4200", "500.00", "0.00"),
        ("6000", "6200", "300.00", "0.00"),
        ("6000", "6400", "120.00", "0.00"),
    ]
    assert (report["net_profit"], report["previous_net_profit"]) == ("1080.00", "0.00")


def test_accounts_group_under_their_top_level_group_at_any_depth(books: Books) -> None:
    """An expense account two groups down still counts under its top-level group."""
    nested = books.sql.owner(
        """INSERT INTO accounts (workspace_id, id, code, name, type, parent_id, is_group)
           VALUES (%s, gen_random_uuid(), '6450', 'Cloud', 'expense', NULL, true)
           RETURNING id""",
        books.ws["id"],
        workspace=books.ws["id"],
    )[0]["id"]
    books.sql.owner(
        "UPDATE accounts SET parent_id = %s WHERE workspace_id = %s AND code = '6400'",
        nested,
        books.ws["id"],
        workspace=books.ws["id"],
    )
    books.sql.owner(
        """UPDATE accounts SET parent_id = %s WHERE workspace_id = %s AND code = '6450'""",
        books.accounts["6000"],
        books.ws["id"],
        workspace=books.ws["id"],
    )
    post_the_year(books)
    report = books.report("profit-and-loss", FIRST_QUARTER)
    assert [(g["code"], [line["code"] for line in g["lines"]]) for g in report["groups"]] == [
        ("4000", ["4100", "4200"]),
        ("6000", ["6200", "6400"]),
    ]


def test_a_range_of_days_compares_with_as_many_days_before(books: Books) -> None:
    post_the_year(books)
    report = books.report("profit-and-loss", {"from": "2026-02-10", "to": "2026-02-20"})
    assert report["previous_period"] == {"start": "2026-01-30", "end": "2026-02-09"}
    assert lines(report) == [("4000", "4200", "500.00", "0.00")]


@pytest.mark.parametrize(
    ("start", "end", "before"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2024, 3, 1), date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2026, 1, 1), date(2026, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
        (date(2026, 2, 10), date(2026, 2, 20), (date(2026, 1, 30), date(2026, 2, 9))),
        (date(2026, 3, 15), date(2026, 3, 15), (date(2026, 3, 14), date(2026, 3, 14))),
        (date(2026, 1, 1), date(2026, 3, 15), (date(2025, 10, 19), date(2025, 12, 31))),
    ],
)
def test_the_previous_period(start: date, end: date, before: tuple[date, date]) -> None:
    assert previous_period(start, end) == before


@pytest.mark.parametrize(
    ("on", "month", "start"),
    [
        (date(2026, 3, 31), 1, date(2026, 1, 1)),
        (date(2026, 3, 31), 4, date(2025, 4, 1)),
        (date(2026, 4, 1), 4, date(2026, 4, 1)),
        (date(2026, 12, 31), 12, date(2026, 12, 1)),
        (date(2026, 11, 30), 12, date(2025, 12, 1)),
    ],
)
def test_the_fiscal_year_start(on: date, month: int, start: date) -> None:
    assert fiscal_year_start(on, month) == start


def test_the_csv_has_the_json_figures(books: Books) -> None:
    post_the_year(books)
    report = books.report("profit-and-loss", FIRST_QUARTER)
    rows = books.csv("profit-and-loss", FIRST_QUARTER)
    assert [
        (r["group"], r["code"], r["name"], r["amount"], r["previous_amount"]) for r in rows
    ] == [
        ("Income", "4100", "Sales", "0.00", "1000.00"),
        ("Income", "4200", "Services", "500.00", "0.00"),
        ("Income", "", "Total", "500.00", "1000.00"),
        ("Operating expenses", "6200", "Rent", "0.00", "300.00"),
        ("Operating expenses", "6400", "Software and subscriptions", "120.00", "0.00"),
        ("Operating expenses", "", "Total", "120.00", "300.00"),
        ("", "", "Income", report["income"], report["previous_income"]),
        ("", "", "Expense", report["expense"], report["previous_expense"]),
        ("", "", "Net profit", "380.00", "700.00"),
    ]
