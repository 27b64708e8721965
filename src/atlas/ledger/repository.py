"""Every SQL statement on accounts, the books' row, journal entries, lines and drafts.

Scoped to one workspace like every repository (`workspace_id = $1` first). A posting is
two statements: its lines, then its entry, whose insert the database checks and seals
(migration 0011); refusals arrive as asyncpg errors with an `AL` SQLSTATE.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, insert_rows
from atlas.ledger.chart import ChartAccount

# A module-level name: repositories' `list` methods shadow the builtin in class bodies.
Records = list[asyncpg.Record]

ACCOUNT_COLUMNS = """a.id, a.code, a.name, a.type, a.parent_id, a.is_group, a.currency,
    a.is_active, a.system_role, a.description, a.created_at, a.updated_at"""
ENTRY_COLUMNS = """e.id, e.number, e.entry_date, e.currency, e.memo, e.source_type,
    e.source_id, e.source_event, e.reverses_entry_id, e.created_by_user_id, e.line_count,
    e.total, e.chain_seq, e.prev_hash, e.hash, e.created_at"""
LINE_COLUMNS = """l.id, l.entry_id, l.position, l.entry_date, l.currency, l.account_id,
    l.debit, l.credit, l.description, l.customer_id, l.project_id, l.employee_id"""
LINE_FIELDS = (
    "position",
    "account_id",
    "debit",
    "credit",
    "description",
    "customer_id",
    "project_id",
    "employee_id",
)


class BooksRepository(ScopedRepository):
    """The workspace's books: its row (the lock date) and its chart of accounts."""

    async def open(self, chart: Sequence[ChartAccount]) -> bool:
        """Makes the books' row and the chart; False (and nothing done) if they exist."""
        created = await self.db.fetchval(
            """INSERT INTO ledgers (workspace_id, id) VALUES ($1, $2)
               ON CONFLICT (workspace_id) DO NOTHING RETURNING true""",
            self.workspace_id,
            uuid7(),
        )
        if not created:
            return False
        ids = {account.code: uuid7() for account in chart}
        await insert_rows(
            self.db,
            "accounts (workspace_id, id, code, name, type, parent_id, is_group, system_role)",
            [
                (
                    self.workspace_id,
                    ids[a.code],
                    a.code,
                    a.name,
                    a.type,
                    ids[a.parent] if a.parent else None,
                    a.is_group,
                    a.system_role,
                )
                for a in chart
            ],
        )
        return True

    async def get(self, *, for_update: bool = False) -> asyncpg.Record | None:
        lock = " FOR UPDATE" if for_update else ""
        return await self.db.fetchrow(
            f"""SELECT b.id, b.lock_date, b.created_at, b.updated_at FROM ledgers b
                 WHERE b.workspace_id = $1{lock}""",
            self.workspace_id,
        )

    async def set_lock_date(self, lock_date: date | None) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            """UPDATE ledgers SET lock_date = $2, updated_at = now() WHERE workspace_id = $1
               RETURNING id, lock_date, created_at, updated_at""",
            self.workspace_id,
            lock_date,
        )

    async def accounts_with_roles(self, roles: Sequence[str]) -> dict[str, uuid.UUID]:
        rows = await self.db.fetch(
            """SELECT a.system_role, a.id FROM accounts a
                WHERE a.workspace_id = $1 AND a.system_role = ANY($2::text[])""",
            self.workspace_id,
            list(roles),
        )
        return {r["system_role"]: r["id"] for r in rows}


class JournalRepository(ScopedRepository):
    async def post(self, entry: dict[str, Any], lines: Sequence[dict[str, Any]]) -> asyncpg.Record:
        """Inserts the lines, then the entry (which the database checks and seals)."""
        entry_id = uuid7()
        await insert_rows(
            self.db,
            "journal_lines (workspace_id, id, entry_id, entry_date, currency, "
            + ", ".join(LINE_FIELDS)
            + ")",
            [
                (
                    self.workspace_id,
                    uuid7(),
                    entry_id,
                    entry["entry_date"],
                    entry["currency"],
                    *(line[field] for field in LINE_FIELDS),
                )
                for line in lines
            ],
        )
        # line_count, total, chain_seq and the hashes are the database's (its trigger).
        row = await self.db.fetchrow(
            """INSERT INTO journal_entries AS e (workspace_id, id, number, entry_date,
                   currency, memo, source_type, source_id, source_event, reverses_entry_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               RETURNING """
            + ENTRY_COLUMNS,
            self.workspace_id,
            entry_id,
            entry["number"],
            entry["entry_date"],
            entry["currency"],
            entry["memo"],
            entry["source_type"],
            entry["source_id"],
            entry["source_event"],
            entry["reverses_entry_id"],
        )
        assert row is not None
        return row

    async def get(self, entry_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {ENTRY_COLUMNS} FROM journal_entries e"
            " WHERE e.workspace_id = $1 AND e.id = $2",
            self.workspace_id,
            entry_id,
        )

    async def by_source(
        self, source_type: str, source_id: uuid.UUID, source_event: str
    ) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {ENTRY_COLUMNS} FROM journal_entries e
                 WHERE e.workspace_id = $1 AND e.source_type = $2 AND e.source_id = $3
                   AND e.source_event = $4""",
            self.workspace_id,
            source_type,
            source_id,
            source_event,
        )

    async def reversal_of(self, entry_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {ENTRY_COLUMNS} FROM journal_entries e"
            " WHERE e.workspace_id = $1 AND e.reverses_entry_id = $2",
            self.workspace_id,
            entry_id,
        )

    async def lines(self, entry_ids: Sequence[uuid.UUID]) -> Records:
        """The lines of the entries, in entry and line order."""
        return await self.db.fetch(
            f"""SELECT {LINE_COLUMNS} FROM journal_lines l
                 WHERE l.workspace_id = $1 AND l.entry_id = ANY($2::uuid[])
                 ORDER BY l.entry_id, l.position""",
            self.workspace_id,
            list(entry_ids),
        )


# Reports

# A line's amount as every report's statement sums it: debit-positive (the reports turn
# it to each account's natural side, `ledger.reports.natural`).
MOVED = "l.debit - l.credit"


class ReportsRepository(ScopedRepository):
    """The reports' statements: each reads the posted lines of one currency, in one
    statement, over the lines' indexes that lead with the workspace and the date."""

    async def settings(self) -> asyncpg.Record:
        """The workspace's base currency and the month its fiscal year starts in."""
        row = await self.db.fetchrow(
            "SELECT w.base_currency, w.fiscal_year_start_month FROM workspaces w WHERE w.id = $1",
            self.workspace_id,
        )
        assert row is not None  # the guard let the caller into this workspace
        return row

    async def account(self, account_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            """SELECT a.id, a.code, a.name, a.type FROM accounts a
                WHERE a.workspace_id = $1 AND a.id = $2""",
            self.workspace_id,
            account_id,
        )

    async def trial_balance(self, currency: str, year_start: date, as_of: date) -> Records:
        """Per account with lines up to `as_of`: its balance before `year_start` and what
        was debited and credited since."""
        return await self.db.fetch(
            f"""SELECT a.id AS account_id, a.code, a.name, a.type,
                       s.opening, s.debit, s.credit
                  FROM (SELECT l.account_id,
                               coalesce(sum({MOVED}) FILTER (WHERE l.entry_date < $3), 0.00)
                                   AS opening,
                               coalesce(sum(l.debit) FILTER (WHERE l.entry_date >= $3), 0.00)
                                   AS debit,
                               coalesce(sum(l.credit) FILTER (WHERE l.entry_date >= $3), 0.00)
                                   AS credit
                          FROM journal_lines l
                         WHERE l.workspace_id = $1 AND l.currency = $2 AND l.entry_date <= $4
                         GROUP BY l.account_id) s
                  JOIN accounts a ON a.workspace_id = $1 AND a.id = s.account_id
                 ORDER BY a.code""",
            self.workspace_id,
            currency,
            year_start,
            as_of,
        )

    async def profit_and_loss(
        self, currency: str, start: date, end: date, previous_start: date
    ) -> Records:
        """Per income and expense account with lines in `previous_start`..`end`: what
        moved from `start` to `end` and before `start`, with its top-level group."""
        return await self.db.fetch(
            f"""WITH RECURSIVE tree (id, top_id) AS (
                    SELECT a.id, a.id FROM accounts a
                     WHERE a.workspace_id = $1 AND a.parent_id IS NULL
                       AND a.type IN ('income', 'expense')
                    UNION ALL
                    SELECT a.id, t.top_id FROM accounts a JOIN tree t ON a.parent_id = t.id
                     WHERE a.workspace_id = $1
                )
                SELECT a.id AS account_id, a.code, a.name, a.type,
                       g.id AS group_id, g.code AS group_code, g.name AS group_name,
                       s.moved, s.previously_moved
                  FROM (SELECT l.account_id,
                               coalesce(sum({MOVED}) FILTER (WHERE l.entry_date >= $3), 0.00)
                                   AS moved,
                               coalesce(sum({MOVED}) FILTER (WHERE l.entry_date < $3), 0.00)
                                   AS previously_moved
                          FROM journal_lines l
                         WHERE l.workspace_id = $1 AND l.currency = $2
                           AND l.entry_date BETWEEN $5 AND $4
                         GROUP BY l.account_id) s
                  JOIN tree t ON t.id = s.account_id
                  JOIN accounts a ON a.workspace_id = $1 AND a.id = s.account_id
                  JOIN accounts g ON g.workspace_id = $1 AND g.id = t.top_id
                 ORDER BY g.code, a.code""",
            self.workspace_id,
            currency,
            start,
            end,
            previous_start,
        )

    async def balance_sheet(
        self, currency: str, year_start: date, as_of: date, retained_earnings_role: str
    ) -> Records:
        """Per account with lines up to `as_of` (and the retained-earnings account, lines
        or not): its balance before `year_start` and at `as_of`, with its parent group."""
        return await self.db.fetch(
            f"""SELECT a.id AS account_id, a.code, a.name, a.type, a.system_role,
                       g.id AS group_id, g.code AS group_code, g.name AS group_name,
                       coalesce(s.before_year, 0.00) AS before_year,
                       coalesce(s.balance, 0.00) AS balance
                  FROM accounts a
                  LEFT JOIN (SELECT l.account_id,
                                    sum({MOVED}) FILTER (WHERE l.entry_date < $3) AS before_year,
                                    sum({MOVED}) AS balance
                               FROM journal_lines l
                              WHERE l.workspace_id = $1 AND l.currency = $2
                                AND l.entry_date <= $4
                              GROUP BY l.account_id) s ON s.account_id = a.id
                  LEFT JOIN accounts g ON g.workspace_id = $1 AND g.id = a.parent_id
                 WHERE a.workspace_id = $1
                   AND (s.account_id IS NOT NULL OR a.system_role = $5)
                 ORDER BY a.code""",
            self.workspace_id,
            currency,
            year_start,
            as_of,
            retained_earnings_role,
        )

    async def general_ledger(
        self,
        account_id: uuid.UUID,
        currency: str,
        start: date,
        end: date,
        limit: int,
        offset: int,
    ) -> Records:
        """The account's balance before `start`, the count and sums of its lines from
        `start` to `end`, and one page of those lines in date and number order, each with
        what moved up to it: the running sum is taken over the whole range, then paged.
        At least one row: a page past the end has only the first columns."""
        return await self.db.fetch(
            f"""WITH lines AS (
                    SELECT l.entry_id, e.number, l.entry_date, e.memo, l.description,
                           l.debit, l.credit, e.source_type, e.source_id, l.customer_id,
                           l.project_id, l.employee_id,
                           row_number() OVER ordered AS n,
                           sum({MOVED}) OVER ordered AS moved
                      FROM journal_lines l
                      JOIN journal_entries e ON e.workspace_id = $1 AND e.id = l.entry_id
                     WHERE l.workspace_id = $1 AND l.account_id = $2 AND l.currency = $3
                       AND l.entry_date BETWEEN $4 AND $5
                    -- The numbers of a day's entries follow their posting order (chain_seq).
                    WINDOW ordered AS (ORDER BY l.entry_date, e.chain_seq, l.position
                                       ROWS UNBOUNDED PRECEDING)
                )
                SELECT o.opening, t.line_count, t.debit_total, t.credit_total, p.*
                  FROM (SELECT coalesce(sum({MOVED}), 0.00) AS opening
                          FROM journal_lines l
                         WHERE l.workspace_id = $1 AND l.account_id = $2 AND l.currency = $3
                           AND l.entry_date < $4) o
                 CROSS JOIN (SELECT count(*) AS line_count,
                                    coalesce(sum(debit), 0.00) AS debit_total,
                                    coalesce(sum(credit), 0.00) AS credit_total
                               FROM lines) t
                  -- Not `fetch_page`: the running sum is a window over the whole range,
                  -- so the page is picked after it, by the rows' numbers.
                  LEFT JOIN LATERAL (SELECT * FROM lines WHERE n > $7 ORDER BY n LIMIT $6) p
                    ON true
                 ORDER BY p.n""",
            self.workspace_id,
            account_id,
            currency,
            start,
            end,
            limit,
            offset,
        )
