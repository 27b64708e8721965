"""What the reports refuse: a range that ends before it starts, an unknown account, a
currency or a format that is not one, a day outside the business's range."""

from __future__ import annotations

from typing import Any

import pytest

from atlas.db.ids import uuid7
from tests.ledger.helpers import Books

REPORTS = (
    "trial-balance",
    "profit-and-loss",
    "balance-sheet",
    "general-ledger",
    "receivables-aging",
)


def params_of(books: Books, report: str, **more: str) -> dict[str, str]:
    if report == "general-ledger":
        return {"account_id": str(books.accounts["1110"]), **more}
    return more


def refused(books: Books, report: str, params: dict[str, str], status: int) -> dict[str, Any]:
    resp = books.get(report, params)
    assert resp.status_code == status, resp.text
    error: dict[str, Any] = resp.json()["error"]
    return error


@pytest.mark.parametrize("report", ["profit-and-loss", "general-ledger"])
def test_a_range_that_ends_before_it_starts(books: Books, report: str) -> None:
    params = params_of(books, report, **{"from": "2026-03-02", "to": "2026-03-01"})
    error = refused(books, report, params, 422)
    assert error["code"] == "validation_error"
    assert error["details"] == [{"field": "to", "message": "must be on or after 'from'"}]


def test_a_range_that_starts_after_the_default_end(books: Books) -> None:
    error = refused(books, "profit-and-loss", {"from": "2200-01-01"}, 422)
    assert [d["field"] for d in error["details"]] == ["to"]


def test_an_unknown_account(books: Books) -> None:
    error = refused(books, "general-ledger", {"account_id": str(uuid7())}, 404)
    assert (error["code"], error["message"]) == ("not_found", "Account not found.")


def test_the_general_ledger_needs_an_account(books: Books) -> None:
    error = refused(books, "general-ledger", {}, 422)
    assert [d["field"] for d in error["details"]] == ["query.account_id"]


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("currency", ["EURO", "12A", "€"])
def test_a_currency_that_is_not_one(books: Books, report: str, currency: str) -> None:
    error = refused(books, report, params_of(books, report, currency=currency), 422)
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == ["query.currency"]


@pytest.mark.parametrize("report", REPORTS)
def test_a_format_that_is_not_one(books: Books, report: str) -> None:
    error = refused(books, report, params_of(books, report, format="xlsx"), 422)
    assert [d["field"] for d in error["details"]] == ["query.format"]


@pytest.mark.parametrize("report", ["trial-balance", "balance-sheet", "receivables-aging"])
def test_a_day_outside_the_business_range(books: Books, report: str) -> None:
    error = refused(books, report, {"as_of": "1899-12-31"}, 422)
    assert [d["field"] for d in error["details"]] == ["query.as_of"]
