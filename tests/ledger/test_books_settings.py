"""The books' settings over real HTTP: the workspace's fiscal year and base currency, and
the lock date, which moves forward only, to a day before today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.access import error_code
from tests.factories import Actor, Factory
from tests.ledger.accounts_helpers import chart, post_entry, snapshot
from tests.sql import Sql

BOOKS = "/api/v1/books"
LOCK = "/api/v1/books/lock-date"


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


def lock(owner: Actor, ws: dict[str, Any], on: Any) -> Any:
    return owner.put(LOCK, ws=ws, json={"lock_date": str(on)})


def test_the_books_show_the_workspace_settings(owner: Actor, ws: dict[str, Any]) -> None:
    assert owner.get(BOOKS, ws=ws).json() == {
        "lock_date": None,
        "fiscal_year_start_month": 1,
        "base_currency": "USD",
    }
    changed = owner.patch(
        f"/api/v1/workspaces/{ws['id']}",
        ws=ws,
        json={"fiscal_year_start_month": 4, "base_currency": "EUR"},
    )
    assert changed.status_code == 200, changed.text
    assert owner.get(BOOKS, ws=ws).json() == {
        "lock_date": None,
        "fiscal_year_start_month": 4,
        "base_currency": "EUR",
    }


def test_the_lock_date_moves_forward_only(sql: Sql, owner: Actor, ws: dict[str, Any]) -> None:
    first = lock(owner, ws, "2025-01-31")
    assert first.status_code == 200, first.text
    assert first.json() == {
        "lock_date": "2025-01-31",
        "fiscal_year_start_month": 1,
        "base_currency": "USD",
    }
    assert lock(owner, ws, "2025-03-31").json()["lock_date"] == "2025-03-31"
    before = snapshot(sql, ws)
    for on in ("2025-02-28", "2025-03-31"):
        resp = lock(owner, ws, on)
        assert (resp.status_code, error_code(resp)) == (409, "lock_date_backwards")
        assert resp.json()["error"]["details"] == [
            {"field": "lock_date", "message": "must be after 2025-03-31"}
        ]
    assert snapshot(sql, ws) == before
    assert owner.get(BOOKS, ws=ws).json()["lock_date"] == "2025-03-31"


def test_the_lock_date_is_a_day_before_today(owner: Actor, ws: dict[str, Any]) -> None:
    today = datetime.now(UTC).date()
    for on in (today, today + timedelta(days=1)):
        resp = lock(owner, ws, on)
        assert (resp.status_code, error_code(resp)) == (422, "lock_date_in_future")
        assert resp.json()["error"]["details"] == [
            {"field": "lock_date", "message": f"must be before {today}"}
        ]
    assert owner.get(BOOKS, ws=ws).json()["lock_date"] is None
    yesterday = today - timedelta(days=1)
    assert lock(owner, ws, yesterday).json()["lock_date"] == str(yesterday)


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"lock_date": "1899-12-31"}, "body.lock_date", "date_out_of_range"),
        ({"lock_date": "2201-01-01"}, "body.lock_date", "date_out_of_range"),
        ({"lock_date": "31/12/2025"}, "body.lock_date", "date_from_datetime_parsing"),
        ({"lock_date": None}, "body.lock_date", "date_type"),
        ({}, "body.lock_date", "missing"),
        ({"lock_date": "2025-01-31", "reopen": True}, "body.reopen", "extra_forbidden"),
    ],
    ids=["before-1900", "after-2200", "not-iso", "null", "missing", "extra-field"],
)
def test_an_invalid_lock_date_is_refused_with_its_path(
    sql: Sql, owner: Actor, ws: dict[str, Any], body: dict[str, Any], field: str, kind: str
) -> None:
    before = snapshot(sql, ws)
    resp = owner.put(LOCK, ws=ws, json=body)
    assert (resp.status_code, error_code(resp)) == (422, "validation_error")
    assert [(d["field"], d["type"]) for d in resp.json()["error"]["details"]] == [(field, kind)]
    assert snapshot(sql, ws) == before


def test_nothing_posts_on_or_before_the_lock_date(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    accounts = chart(owner, ws)
    bank, sales = accounts["1110"]["id"], accounts["4100"]["id"]
    assert lock(owner, ws, "2025-06-30").status_code == 200
    with pytest.raises(psycopg.Error) as refused:
        post_entry(sql, ws, bank, sales, on=date(2025, 6, 30))
    assert refused.value.sqlstate == "AL001"
    post_entry(sql, ws, bank, sales, on=date(2025, 7, 1))
    rows = sql.owner(
        "SELECT entry_date FROM journal_entries WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )
    assert [row["entry_date"] for row in rows] == [date(2025, 7, 1)]


def test_a_workspace_without_books_says_so(sql: Sql, owner: Actor, ws: dict[str, Any]) -> None:
    """A workspace whose books were never opened (made before the books existed)."""
    sql.owner("DELETE FROM ledgers WHERE workspace_id = %s", ws["id"], workspace=ws["id"])
    for resp in (owner.get(BOOKS, ws=ws), lock(owner, ws, "2025-01-31")):
        assert (resp.status_code, error_code(resp)) == (409, "no_books")
