"""`atlas-erp ledger verify` and `atlas-erp ledger reopen` as real processes, against
books posted through the API and then broken as the owner."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from atlas.config import Settings
from tests.citus import plain_postgresql_only
from tests.factories import Actor, Factory
from tests.ledger.journal_helpers import accounts, post_entry, rent, set_lock_date
from tests.process import CLI, cli_env
from tests.sql import Sql, set_context


def ledger_cli(database: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "ledger", *args],
        env=cli_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


@pytest.fixture
def entries(sql: Sql, owner: Actor, ws: dict[str, Any]) -> list[dict[str, Any]]:
    """Three posted entries: JE-2026-0001 to 0003."""
    codes = accounts(sql, ws)
    return [post_entry(owner, ws, rent(codes, amount)) for amount in ("10.00", "20.00", "30.00")]


def as_owner(sql: Sql, ws: dict[str, Any], *statements: str) -> None:
    """Statements in one transaction as the tables' owner, in the workspace's context."""
    conn = sql.connection("owner")
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, workspace_id=ws["id"])
        for statement in statements:
            cur.execute(statement)  # type: ignore[arg-type]


def test_verify_passes_clean_books(
    database: Settings, ws: dict[str, Any], entries: list[dict[str, Any]]
) -> None:
    done = ledger_cli(database, "verify", ws["slug"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == f"{ws['slug']}: 3 entries, chain intact\n"


def test_verify_without_a_slug_reports_every_workspace(
    database: Settings, factory: Factory, ws: dict[str, Any], entries: list[dict[str, Any]]
) -> None:
    empty = factory.workspace(factory.user())
    done = ledger_cli(database, "verify")
    lines = done.stdout.splitlines()
    assert f"{ws['slug']}: 3 entries, chain intact" in lines
    assert f"{empty['slug']}: 0 entries, chain intact" in lines


def _untouchable(table: str, *changes: str) -> tuple[str, ...]:
    return (
        f"ALTER TABLE {table} DISABLE TRIGGER ledger_immutable",
        *changes,
        f"ALTER TABLE {table} ENABLE TRIGGER ledger_immutable",
    )


BREAKS = [
    pytest.param(
        lambda e: _untouchable(
            "journal_lines",
            f"UPDATE journal_lines SET description = 'edited' WHERE entry_id = '{e[1]['id']}'",
        ),
        "JE-2026-0002 (chain_seq 2): its hash does not match its content",
        id="a line edited",
    ),
    pytest.param(
        lambda e: _untouchable(
            "journal_lines",
            f"UPDATE journal_lines SET debit = debit - 1 WHERE entry_id = '{e[1]['id']}'"
            " AND debit > 0",
            f"UPDATE journal_lines SET credit = credit - 1 WHERE entry_id = '{e[1]['id']}'"
            " AND credit > 0",
        ),
        "JE-2026-0002 (chain_seq 2): its lines (2, debit 19.00, credit 19.00) are not those"
        " it sealed (2, total 20.00)",
        id="amounts edited",
    ),
    pytest.param(
        lambda e: _untouchable(
            "journal_entries",
            f"UPDATE journal_entries SET prev_hash = '\\x00'::bytea WHERE id = '{e[2]['id']}'",
        ),
        "JE-2026-0003 (chain_seq 3): prev_hash is not the previous entry's hash",
        id="a link broken",
    ),
    pytest.param(
        lambda e: (
            # The entries' foreign keys checked at once: ALTER TABLE refuses pending checks.
            "SET CONSTRAINTS ALL IMMEDIATE",
            *_untouchable(
                "journal_lines", f"DELETE FROM journal_lines WHERE entry_id = '{e[1]['id']}'"
            ),
            *_untouchable(
                "journal_entries", f"DELETE FROM journal_entries WHERE id = '{e[1]['id']}'"
            ),
        ),
        "JE-2026-0003 (chain_seq 3): chain_seq is 3, 2 expected (an entry is missing)",
        id="an entry deleted",
    ),
]


@plain_postgresql_only(
    "tampering disables the immutability trigger, which Citus refuses on distributed tables"
)
@pytest.mark.parametrize(("tamper", "reported"), BREAKS)
def test_verify_reports_the_first_break_and_exits_1(
    database: Settings,
    sql: Sql,
    ws: dict[str, Any],
    entries: list[dict[str, Any]],
    tamper: Any,
    reported: str,
) -> None:
    as_owner(sql, ws, *tamper(entries))
    done = ledger_cli(database, "verify", ws["slug"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == f"{ws['slug']}: BROKEN at {reported}\n"


TOTAL_BREAKS = [
    pytest.param(
        "UPDATE journal_day_totals t SET debit = debit + 1 FROM accounts a"
        " WHERE a.workspace_id = t.workspace_id AND a.id = t.account_id AND a.code = '6200'",
        "(debit 61.00, credit 0.00, 3 lines) is not the sum of its lines"
        " (debit 60.00, credit 0.00, 3 lines)",
        id="a total changed",
    ),
    pytest.param(
        "DELETE FROM journal_day_totals t USING accounts a"
        " WHERE a.workspace_id = t.workspace_id AND a.id = t.account_id AND a.code = '6200'",
        "(none kept) is not the sum of its lines (debit 60.00, credit 0.00, 3 lines)",
        id="a total deleted",
    ),
]


# The day totals have no immutability trigger to disable: their owner may change them,
# which `verify` then reports, on a cluster too.
@pytest.mark.parametrize(("tamper", "reported"), TOTAL_BREAKS)
def test_verify_reports_day_totals_that_are_not_their_lines(
    database: Settings,
    sql: Sql,
    ws: dict[str, Any],
    entries: list[dict[str, Any]],
    tamper: str,
    reported: str,
) -> None:
    as_owner(sql, ws, tamper)
    done = ledger_cli(database, "verify", ws["slug"])
    assert done.returncode == 1, done.stdout + done.stderr
    currency = entries[0]["currency"]
    assert done.stdout == (
        f"{ws['slug']}: BROKEN: the day total of 6200 on 2026-03-01 in {currency} {reported}\n"
    )


def test_verify_of_an_unknown_slug_exits_2(database: Settings) -> None:
    done = ledger_cli(database, "verify", "no-such-workspace")
    assert done.returncode == 2
    assert "No workspace has the slug 'no-such-workspace'" in done.stderr


def _audit_events(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    return sql.owner(
        """SELECT actor_email, actor_user_id, changes->'lock_date' AS lock_date
             FROM audit_events
            WHERE workspace_id = %s AND action = 'books.updated' ORDER BY occurred_at""",
        ws["id"],
        workspace=ws["id"],
    )


def _lock_date(sql: Sql, ws: dict[str, Any]) -> Any:
    return sql.app("SELECT lock_date::text AS d FROM ledgers", workspace=ws["id"])[0]["d"]


def test_reopen_moves_the_lock_date_back_in_the_audit_trail(
    database: Settings, sql: Sql, ws: dict[str, Any]
) -> None:
    set_lock_date(sql, ws, "2026-03-31")
    done = ledger_cli(database, "reopen", ws["slug"], "--to", "2026-02-28")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{ws['slug']}: lock date 2026-03-31 -> 2026-02-28\n"
    assert _lock_date(sql, ws) == "2026-02-28"
    cleared = ledger_cli(database, "reopen", ws["slug"], "--clear")
    assert cleared.stdout == f"{ws['slug']}: lock date 2026-02-28 -> none\n"
    assert _lock_date(sql, ws) is None
    assert _audit_events(sql, ws)[1:] == [
        {
            "actor_email": "operator",
            "actor_user_id": None,
            "lock_date": {"old": "2026-03-31", "new": "2026-02-28"},
        },
        {
            "actor_email": "operator",
            "actor_user_id": None,
            "lock_date": {"old": "2026-02-28", "new": None},
        },
    ]


@pytest.mark.parametrize("to", ["2026-03-31", "2026-04-30"], ids=["same", "later"])
def test_reopen_only_moves_back(database: Settings, sql: Sql, ws: dict[str, Any], to: str) -> None:
    set_lock_date(sql, ws, "2026-03-31")
    done = ledger_cli(database, "reopen", ws["slug"], "--to", to)
    assert done.returncode == 2
    assert "Reopening moves the lock date back; it is 2026-03-31." in done.stderr
    assert _lock_date(sql, ws) == "2026-03-31"


def test_reopen_needs_a_date_or_clear(database: Settings, ws: dict[str, Any]) -> None:
    done = ledger_cli(database, "reopen", ws["slug"])
    assert done.returncode == 2
    assert "one of the arguments --to --clear is required" in done.stderr
