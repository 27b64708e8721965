"""The books' invariants, held by PostgreSQL: each one broken in raw SQL as the app role,
with the tenant context the guard sets, and refused with its SQLSTATE (class AL).

A posting is its lines, then its entry, in one transaction (`ledger.repository`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.ledger.repository import CHAIN_ENTRY_FIELDS, CHAIN_LINES_TEXT
from atlas.ledger.service import entry_digest
from tests.citus import on_citus
from tests.factories import Factory
from tests.sql import Sql, set_context

pytestmark = pytest.mark.pg_matrix

Line = tuple[str, str, str]  # account code, debit, credit


@pytest.fixture
def ws(factory: Factory) -> dict[str, Any]:
    return factory.workspace(factory.user())


@contextmanager
def app_transaction(sql: Sql, ws: dict[str, Any]) -> Iterator[psycopg.Cursor[Any]]:
    conn = sql.connection("app")
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, workspace_id=ws["id"])
        yield cur


def account(sql: Sql, ws: dict[str, Any], code: str) -> uuid.UUID:
    rows = sql.app(
        "SELECT id FROM accounts WHERE workspace_id = %s AND code = %s",
        ws["id"],
        code,
        workspace=ws["id"],
    )
    return uuid.UUID(str(rows[0]["id"]))


def insert_lines(
    cur: psycopg.Cursor[Any],
    sql: Sql,
    ws: dict[str, Any],
    entry_id: uuid.UUID,
    lines: Sequence[Line],
    on: date = date(2026, 3, 1),
    first: int = 1,
) -> None:
    for position, (code, debit, credit) in enumerate(lines, start=first):
        cur.execute(
            """INSERT INTO journal_lines (workspace_id, id, entry_id, position, entry_date,
                   currency, account_id, debit, credit)
               VALUES (%s, %s, %s, %s, %s, 'EUR', %s, %s, %s)""",
            (
                ws["id"],
                uuid7(),
                entry_id,
                position,
                on,
                account(sql, ws, code),
                Decimal(debit),
                Decimal(credit),
            ),
        )


def insert_entry(
    cur: psycopg.Cursor[Any],
    ws: dict[str, Any],
    entry_id: uuid.UUID,
    on: date = date(2026, 3, 1),
    number: str | None = None,
) -> dict[str, Any]:
    cur.execute(
        """INSERT INTO journal_entries (workspace_id, id, number, entry_date, currency,
               source_type, source_event)
           VALUES (%s, %s, %s, %s, 'EUR', 'manual', 'posted') RETURNING *""",
        (ws["id"], entry_id, number or f"JE-T-{entry_id.hex}", on),
    )
    row = cur.fetchone()
    assert row is not None
    return dict(row)


def post(
    sql: Sql, ws: dict[str, Any], lines: Sequence[Line], on: date = date(2026, 3, 1)
) -> dict[str, Any]:
    entry_id = uuid7()
    with app_transaction(sql, ws) as cur:
        insert_lines(cur, sql, ws, entry_id, lines, on)
        return insert_entry(cur, ws, entry_id, on)


def sqlstate(exc: pytest.ExceptionInfo[psycopg.Error]) -> str | None:
    return exc.value.sqlstate


SALE = (("1200", "119.00", "0"), ("4100", "0", "100.00"), ("2200", "0", "19.00"))


def test_a_balanced_entry_is_sealed_by_the_database(sql: Sql, ws: dict[str, Any]) -> None:
    first = post(sql, ws, SALE)
    second = post(sql, ws, (("1110", "50.00", "0"), ("1200", "0", "50.00")))
    assert (first["line_count"], first["total"], first["chain_seq"]) == (3, Decimal("119.00"), 1)
    assert first["prev_hash"] is None
    assert len(first["hash"]) == 32
    assert (second["chain_seq"], second["prev_hash"]) == (2, first["hash"])


def test_an_unbalanced_entry_is_refused(sql: Sql, ws: dict[str, Any]) -> None:
    with pytest.raises(psycopg.Error) as exc:
        post(sql, ws, (("1200", "119.00", "0"), ("4100", "0", "100.00")))
    assert sqlstate(exc) == "AL003"


@pytest.mark.parametrize("lines", [(), (("1200", "10.00", "0"),)], ids=["none", "one"])
def test_an_entry_needs_two_lines(sql: Sql, ws: dict[str, Any], lines: Sequence[Line]) -> None:
    with pytest.raises(psycopg.Error) as exc:
        post(sql, ws, lines)
    assert sqlstate(exc) == "AL002"


@pytest.mark.parametrize(
    ("debit", "credit"),
    [("10.00", "10.00"), ("-10.00", "0"), ("0", "0")],
    ids=["both sides", "negative", "zero"],
)
def test_a_line_is_one_sided_and_positive(
    sql: Sql, ws: dict[str, Any], debit: str, credit: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        post(sql, ws, (("1200", debit, credit), ("4100", "0", "10.00")))
    # The message names it on Citus too, where a worker's error has no constraint field.
    assert 'constraint "ck_journal_lines_one_sided' in str(exc.value)


def _post_then_add_a_line(sql: Sql, ws: dict[str, Any]) -> None:
    entry_id = uuid7()
    with app_transaction(sql, ws) as cur:
        insert_lines(cur, sql, ws, entry_id, SALE)
        insert_entry(cur, ws, entry_id)
        insert_lines(cur, sql, ws, entry_id, (("1110", "5.00", "0"),))


def test_a_line_added_after_its_entry_is_refused(sql: Sql, ws: dict[str, Any]) -> None:
    with pytest.raises(psycopg.Error) as exc:
        _post_then_add_a_line(sql, ws)
    assert sqlstate(exc) == "AL005"


def test_lines_slipped_in_before_their_entry_was_visible_fail_at_commit(
    sql: Sql, ws: dict[str, Any]
) -> None:
    """Lines of another transaction, inserted while the entry was not yet visible to it
    (so the line trigger let them through), fail the check at COMMIT even balanced."""
    entry_id = uuid7()
    intruder = sql.new_connection("app")
    try:
        with intruder.cursor() as cur:
            set_context(cur, workspace_id=ws["id"])  # opens the intruder's transaction
            extra = (("1110", "5.00", "0"), ("1200", "0", "5.00"))
            insert_lines(cur, sql, ws, entry_id, extra, first=10)
        with app_transaction(sql, ws) as cur:  # the genuine posting commits first
            insert_lines(cur, sql, ws, entry_id, SALE)
            insert_entry(cur, ws, entry_id)
        with pytest.raises(psycopg.Error) as exc:
            intruder.commit()
        # A worker's refusal at COMMIT reaches Citus's client as "could not commit".
        assert sqlstate(exc) == ("XX000" if on_citus() else "AL003")
    finally:
        intruder.close()
    lines = sql.app(
        "SELECT count(*) AS n FROM journal_lines WHERE entry_id = %s", entry_id, workspace=ws["id"]
    )
    assert lines == [{"n": 3}]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_entries SET memo = 'changed' WHERE id = %s",
        "DELETE FROM journal_entries WHERE id = %s",
        "UPDATE journal_lines SET debit = debit WHERE entry_id = %s",
        "DELETE FROM journal_lines WHERE entry_id = %s",
        "TRUNCATE journal_lines",
        "ALTER TABLE journal_entries DISABLE TRIGGER ledger_immutable",
    ],
    ids=["update entry", "delete entry", "update line", "delete line", "truncate", "disable"],
)
def test_posted_entries_are_immutable_for_the_app(
    sql: Sql, ws: dict[str, Any], statement: str
) -> None:
    entry = post(sql, ws, SALE)
    params = (entry["id"],) if "%s" in statement else ()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.app(statement, *params, workspace=ws["id"])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_entries SET memo = 'changed' WHERE id = %s",
        "DELETE FROM journal_lines WHERE entry_id = %s",
        "TRUNCATE journal_entries CASCADE",
    ],
    ids=["update", "delete", "truncate"],
)
def test_posted_entries_are_immutable_for_the_owner_too(
    sql: Sql, ws: dict[str, Any], statement: str
) -> None:
    entry = post(sql, ws, SALE)
    params = (entry["id"],) if "%s" in statement else ()
    with pytest.raises(psycopg.Error) as exc:
        sql.owner(statement, *params, workspace=ws["id"])
    assert sqlstate(exc) == "AL009"


def test_deleting_the_workspace_removes_its_books(sql: Sql, ws: dict[str, Any]) -> None:
    post(sql, ws, SALE)
    sql.owner("DELETE FROM workspaces WHERE id = %s", ws["id"])
    counts = sql.owner(
        """SELECT (SELECT count(*) FROM journal_entries) AS entries,
                  (SELECT count(*) FROM journal_lines) AS lines""",
        workspace=ws["id"],
    )
    assert counts == [{"entries": 0, "lines": 0}]


@pytest.mark.parametrize(
    ("change", "state"),
    [("is_group = true", "AL006"), ("is_active = false", "AL007")],
    ids=["group", "inactive"],
)
def test_no_posting_to_a_group_or_inactive_account(
    sql: Sql, ws: dict[str, Any], change: str, state: str
) -> None:
    sql.app(
        f"UPDATE accounts SET {change} WHERE workspace_id = %s AND code = '4200'",
        ws["id"],
        workspace=ws["id"],
    )
    with pytest.raises(psycopg.Error) as exc:
        post(sql, ws, (("1200", "10.00", "0"), ("4200", "0", "10.00")))
    assert sqlstate(exc) == state


def test_a_group_account_of_the_chart_takes_no_posting(sql: Sql, ws: dict[str, Any]) -> None:
    with pytest.raises(psycopg.Error) as exc:
        post(sql, ws, (("1200", "10.00", "0"), ("4000", "0", "10.00")))
    assert sqlstate(exc) == "AL006"


def test_nothing_posts_on_or_before_the_lock_date(sql: Sql, ws: dict[str, Any]) -> None:
    sql.app("UPDATE ledgers SET lock_date = '2026-03-31'", workspace=ws["id"])
    for day in (date(2026, 3, 31), date(2026, 1, 1)):
        with pytest.raises(psycopg.Error) as exc:
            post(sql, ws, SALE, on=day)
        assert sqlstate(exc) == "AL001"
    assert post(sql, ws, SALE, on=date(2026, 4, 1))["line_count"] == 3


def test_the_lock_date_moves_back_only_for_the_owner(sql: Sql, ws: dict[str, Any]) -> None:
    sql.app("UPDATE ledgers SET lock_date = '2026-03-31'", workspace=ws["id"])
    for back in ("'2026-02-28'", "NULL"):
        with pytest.raises(psycopg.Error) as exc:
            sql.app(f"UPDATE ledgers SET lock_date = {back}", workspace=ws["id"])
        assert sqlstate(exc) == "AL010"
    sql.owner("UPDATE ledgers SET lock_date = '2026-02-28'", workspace=ws["id"])
    rows = sql.app("SELECT lock_date FROM ledgers", workspace=ws["id"])
    assert rows == [{"lock_date": date(2026, 2, 28)}]


def test_a_line_cannot_name_another_workspaces_account(
    sql: Sql, factory: Factory, ws: dict[str, Any]
) -> None:
    other = factory.workspace(factory.user())
    foreign = account(sql, other, "4100")
    entry_id = uuid7()
    with pytest.raises(psycopg.errors.ForeignKeyViolation), app_transaction(sql, ws) as cur:
        cur.execute(
            """INSERT INTO journal_lines (workspace_id, id, entry_id, position, entry_date,
                   currency, account_id, debit, credit)
               VALUES (%s, %s, %s, 1, '2026-03-01', 'EUR', %s, 10, 0)""",
            (ws["id"], uuid7(), entry_id, foreign),
        )


def test_the_hash_recomputed_outside_the_database_is_the_sealed_one(
    sql: Sql, ws: dict[str, Any]
) -> None:
    """`ledger.service.entry_digest` over the text the digest hashes (what `atlas-erp
    ledger verify` recomputes) gives each entry's stored hash, chained."""
    first = post(sql, ws, SALE)
    second = post(sql, ws, (("1110", "50.00", "0"), ("1200", "0", "50.00")))
    rows = sql.owner(
        f"""SELECT e.hash, e.prev_hash, {CHAIN_ENTRY_FIELDS}::text AS fields,
                  {CHAIN_LINES_TEXT.replace("$1", "%s")} AS lines
             FROM journal_entries e WHERE e.workspace_id = %s ORDER BY e.chain_seq""",
        ws["id"],
        ws["id"],
        workspace=ws["id"],
    )
    assert [bytes(r["hash"]) for r in rows] == [bytes(first["hash"]), bytes(second["hash"])]
    for row in rows:
        prev = bytes(row["prev_hash"]) if row["prev_hash"] is not None else None
        assert entry_digest(prev, row["fields"], row["lines"]) == bytes(row["hash"])


def test_one_transaction_may_post_in_two_workspaces(
    sql: Sql, factory: Factory, ws: dict[str, Any]
) -> None:
    """The check at COMMIT reads each entry in its own workspace, whichever context the
    transaction ended in (an operator's script, the demo loader)."""
    other = factory.workspace(factory.user())
    first, second = uuid7(), uuid7()
    with app_transaction(sql, ws) as cur:
        insert_lines(cur, sql, ws, first, SALE)
        insert_entry(cur, ws, first)
        set_context(cur, workspace_id=other["id"])
        insert_lines(cur, sql, other, second, SALE)
        insert_entry(cur, other, second)
    counts = [
        sql.app("SELECT count(*) AS n FROM journal_entries", workspace=w["id"])[0]["n"]
        for w in (ws, other)
    ]
    assert counts == [1, 1]
