"""The books' day totals (migration 0012), held by PostgreSQL: each posted entry's lines
are added to their account's day in the posting's transaction, whatever code posts; the
app role can only read them; a refused or rolled-back posting adds nothing; the totals
go with their workspace."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.db.migrate import upgrade
from tests.conftest import APP_ROLE
from tests.factories import Factory
from tests.ledger.test_books_invariants import (
    SALE,
    account,
    app_transaction,
    insert_entry,
    insert_lines,
    post,
    sqlstate,
)
from tests.sql import Sql

pytestmark = pytest.mark.pg_matrix

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 2)


@pytest.fixture
def ws(factory: Factory) -> dict[str, Any]:
    return factory.workspace(factory.user())


def totals(sql: Sql, ws: dict[str, Any]) -> dict[tuple[str, date], tuple[Decimal, Decimal, int]]:
    """(account code, day): (debit, credit, lines), read as the app role."""
    rows = sql.app(
        """SELECT a.code, t.entry_date, t.debit, t.credit, t.line_count
             FROM journal_day_totals t JOIN accounts a
               ON a.workspace_id = t.workspace_id AND a.id = t.account_id
            WHERE t.workspace_id = %s""",
        ws["id"],
        workspace=ws["id"],
    )
    return {(r["code"], r["entry_date"]): (r["debit"], r["credit"], r["line_count"]) for r in rows}


def sums_of_lines(
    sql: Sql, ws: dict[str, Any]
) -> dict[tuple[str, date], tuple[Decimal, Decimal, int]]:
    rows = sql.app(
        """SELECT a.code, l.entry_date, sum(l.debit) AS debit, sum(l.credit) AS credit,
                  count(*)::integer AS n
             FROM journal_lines l JOIN accounts a
               ON a.workspace_id = l.workspace_id AND a.id = l.account_id
            WHERE l.workspace_id = %s GROUP BY a.code, l.entry_date""",
        ws["id"],
        workspace=ws["id"],
    )
    return {(r["code"], r["entry_date"]): (r["debit"], r["credit"], r["n"]) for r in rows}


def test_each_posting_adds_its_lines_to_their_days(sql: Sql, ws: dict[str, Any]) -> None:
    post(sql, ws, SALE)
    post(sql, ws, SALE)
    post(sql, ws, (("1110", "50.00", "0"), ("1200", "0", "50.00")))
    post(sql, ws, (("1110", "7.25", "0"), ("1200", "0", "7.25")), APRIL)
    # Two lines of one account in one entry are one day's row too.
    post(sql, ws, (("6200", "10.00", "0"), ("6200", "5.00", "0"), ("1110", "0", "15.00")))
    found = totals(sql, ws)
    assert found == sums_of_lines(sql, ws)
    assert found[("1200", MARCH)] == (Decimal("238.00"), Decimal("50.00"), 3)
    assert found[("1200", APRIL)] == (Decimal("0.00"), Decimal("7.25"), 1)
    assert found[("6200", MARCH)] == (Decimal("15.00"), Decimal("0.00"), 2)
    assert len(found) == 7


def test_a_refused_or_rolled_back_posting_adds_nothing(sql: Sql, ws: dict[str, Any]) -> None:
    post(sql, ws, SALE)
    before = totals(sql, ws)
    with pytest.raises(psycopg.Error) as refused:
        post(sql, ws, (("1110", "50.00", "0"), ("1200", "0", "49.00")))
    assert sqlstate(refused) == "AL003"
    entry_id = uuid7()
    with app_transaction(sql, ws) as cur:
        insert_lines(cur, sql, ws, entry_id, SALE)
        insert_entry(cur, ws, entry_id)
        cur.execute(
            "SELECT sum(line_count) AS n FROM journal_day_totals WHERE workspace_id = %s",
            (ws["id"],),
        )
        assert cur.fetchone() == {"n": 6}  # added, inside the posting's transaction
        raise psycopg.Rollback
    assert totals(sql, ws) == before


def test_the_app_role_only_reads_the_totals(sql: Sql, ws: dict[str, Any]) -> None:
    post(sql, ws, SALE)
    bank = account(sql, ws, "1110")
    for statement, params in (
        ("UPDATE journal_day_totals SET debit = debit + 1 WHERE workspace_id = %s", (ws["id"],)),
        ("DELETE FROM journal_day_totals WHERE workspace_id = %s", (ws["id"],)),
        (
            """INSERT INTO journal_day_totals (workspace_id, id, account_id, currency,
                   entry_date, debit, credit, line_count)
               VALUES (%s, %s, %s, 'EUR', '2026-03-01', 1, 0, 1)""",
            (ws["id"], uuid7(), bank),
        ),
        ("TRUNCATE journal_day_totals", ()),
    ):
        with pytest.raises(psycopg.Error) as denied, app_transaction(sql, ws) as cur:
            cur.execute(statement, params)
        assert sqlstate(denied) == "42501", statement  # insufficient_privilege
    assert totals(sql, ws) == sums_of_lines(sql, ws)


def test_the_totals_are_the_workspaces_own_and_go_with_it(sql: Sql, factory: Factory) -> None:
    mine, theirs = (factory.workspace(factory.user()) for _ in range(2))
    post(sql, mine, SALE)
    post(sql, theirs, SALE)
    assert len(totals(sql, mine)) == 3
    # Another workspace's context sees none of them.
    assert (
        sql.app(
            "SELECT id FROM journal_day_totals WHERE workspace_id = %s",
            mine["id"],
            workspace=theirs["id"],
        )
        == []
    )
    sql.owner("DELETE FROM workspaces WHERE id = %s", mine["id"])
    left = sql.owner(
        "SELECT count(*) AS n FROM journal_day_totals WHERE workspace_id = %s",
        mine["id"],
        workspace=mine["id"],
    )
    assert left == [{"n": 0}]
    assert len(totals(sql, theirs)) == 3


def test_the_migration_adds_the_entries_posted_before_it(empty_database: Settings) -> None:
    owner_url = empty_database.owner_url()
    upgrade(owner_url, APP_ROLE, "0011")
    old = Sql(owner_url, empty_database.runtime_url())
    try:
        (ws,) = old.owner(
            "INSERT INTO workspaces (id, name, slug) VALUES (%s, 'Old', 'old') RETURNING *",
            uuid7(),
        )
        Factory("http://unused", old).open_books(ws)
        post(old, ws, SALE)
        post(old, ws, (("1110", "50.00", "0"), ("1200", "0", "50.00")), APRIL)
        upgrade(owner_url, APP_ROLE)
        assert totals(old, ws) == sums_of_lines(old, ws)
        assert totals(old, ws)[("1200", MARCH)] == (Decimal("119.00"), Decimal("0.00"), 1)
        # And the trigger adds what posts afterwards.
        post(old, ws, SALE)
        assert totals(old, ws)[("1200", MARCH)] == (Decimal("238.00"), Decimal("0.00"), 2)
        assert totals(old, ws) == sums_of_lines(old, ws)
    finally:
        old.close()
