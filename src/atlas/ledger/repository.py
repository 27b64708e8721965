"""Every SQL statement on accounts, the books' row, journal entries, lines and drafts.

Scoped to one workspace like every repository (`workspace_id = $1` first). A posting is
two statements: its lines, then its entry, whose insert the database checks and seals
(migration 0011); refusals arrive as asyncpg errors with an `AL` SQLSTATE.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, insert_rows, rank, set_list
from atlas.db.sql import escape_like
from atlas.ledger.chart import ChartAccount
from atlas.ledger.tables import ACCOUNT_TYPES
from atlas.pagination import PageRequest, order_by

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

    async def settings(self) -> asyncpg.Record | None:
        """The lock date with the workspace's fiscal year and base currency (its global row)."""
        return await self.db.fetchrow(
            """SELECT b.lock_date, w.fiscal_year_start_month, w.base_currency
                 FROM ledgers b JOIN workspaces w ON w.id = b.workspace_id
                WHERE b.workspace_id = $1""",
            self.workspace_id,
        )

    async def accounts_with_roles(self, roles: Sequence[str]) -> dict[str, uuid.UUID]:
        rows = await self.db.fetch(
            """SELECT a.system_role, a.id FROM accounts a
                WHERE a.workspace_id = $1 AND a.system_role = ANY($2::text[])""",
            self.workspace_id,
            list(roles),
        )
        return {r["system_role"]: r["id"] for r in rows}

    async def postable(self, account_ids: Sequence[uuid.UUID], account_type: str) -> set[uuid.UUID]:
        rows = await self.db.fetch(
            """SELECT a.id FROM accounts a
                WHERE a.workspace_id = $1 AND a.id = ANY($2::uuid[]) AND a.type = $3
                  AND NOT a.is_group AND a.is_active""",
            self.workspace_id,
            list(account_ids),
            account_type,
        )
        return {r["id"] for r in rows}

    async def accounts_with_codes(self, codes: Sequence[str]) -> dict[str, uuid.UUID]:
        rows = await self.db.fetch(
            """SELECT a.code, a.id FROM accounts a
                WHERE a.workspace_id = $1 AND a.code = ANY($2::text[])""",
            self.workspace_id,
            list(codes),
        )
        return {r["code"]: r["id"] for r in rows}


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


# Accounts

UPDATABLE_ACCOUNT_COLUMNS = frozenset(
    {"code", "name", "description", "type", "parent_id", "is_group", "is_active", "currency"}
)
ACCOUNT_SORTS = {
    "code": "code",
    "name": "lower(name)",
    "type": rank("type", ACCOUNT_TYPES),
    "created_at": "created_at",
}
RowLock = Literal["share", "update"]
# An update's lock leaves the key alone: a deletion's key check on its children passes it.
ROW_LOCKS: dict[RowLock | None, str] = {
    None: "",
    "share": " FOR SHARE",
    "update": " FOR NO KEY UPDATE",
}


class AccountsRepository(ScopedRepository):
    """The chart of accounts; the database's trigger checks parents and kinds (AL011-14)."""

    async def create(
        self,
        *,
        code: str,
        name: str,
        type: str,
        parent_id: uuid.UUID | None,
        is_group: bool,
        currency: str | None,
        description: str,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO accounts AS a (workspace_id, id, code, name, type, parent_id,
                                          is_group, currency, description)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ACCOUNT_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            code,
            name,
            type,
            parent_id,
            is_group,
            currency,
            description,
        )
        assert row is not None
        return row

    async def get(
        self, account_id: uuid.UUID, *, lock: RowLock | None = None
    ) -> asyncpg.Record | None:
        """The account; `lock` ("share" or "update") holds its row until the transaction ends."""
        return await self.db.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.workspace_id = $1 AND a.id = $2"
            + ROW_LOCKS[lock],
            self.workspace_id,
            account_id,
        )

    async def count_for_new(self) -> int:
        """The workspace's accounts, counted under its lock on new accounts (held until the
        transaction ends): two creations count one after the other, so neither passes the
        cap on the other's count. The lock is its own statement, so the count sees what the
        previous holder committed."""
        await self.db.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('accounts:' || $1::uuid::text, 0))",
            self.workspace_id,
        )
        count: int = await self.db.fetchval(
            "SELECT count(*) FROM accounts WHERE workspace_id = $1", self.workspace_id
        )
        return count

    async def list(
        self,
        *,
        types: Sequence[str],
        active: bool | None,
        is_group: bool | None,
        parent_id: uuid.UUID | None,
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[Records, int]:
        order = order_by(sort, ACCOUNT_SORTS, "code")
        where = Where(self.workspace_id, "a")
        if types:
            where.add(f"a.type = ANY({where.param(list(types))}::text[])")
        if active is not None:
            where.add(f"a.is_active = {where.param(active)}")
        if is_group is not None:
            where.add(f"a.is_group = {where.param(is_group)}")
        if parent_id is not None:
            where.add(f"a.parent_id = {where.param(parent_id)}")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(a.code ILIKE {pattern} OR a.name ILIKE {pattern})")
        return await fetch_page(
            self.db, ACCOUNT_COLUMNS, "accounts a", where, order, page.limit, page.offset
        )

    async def all(self) -> Records:
        """Every account of the workspace, in code order (a workspace holds a bounded
        number: `service.MAX_ACCOUNTS`)."""
        return await self.db.fetch(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.workspace_id = $1 ORDER BY a.code",
            self.workspace_id,
        )

    async def update(
        self, account_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        sets = set_list(changes, UPDATABLE_ACCOUNT_COLUMNS, first=3)
        return await self.db.fetchrow(
            f"""UPDATE accounts AS a SET {sets}, updated_at = now()
                WHERE a.workspace_id = $1 AND a.id = $2 RETURNING {ACCOUNT_COLUMNS}""",
            self.workspace_id,
            account_id,
            *changes.values(),
        )

    async def delete(self, account_id: uuid.UUID) -> None:
        """Deletes the account; foreign keys refuse it while anything names it."""
        await self.db.execute(
            "DELETE FROM accounts WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            account_id,
        )

    async def is_ancestor_or_self(self, account_id: uuid.UUID, candidate_id: uuid.UUID) -> bool:
        """Whether `account_id` is `candidate_id` or above it: making `candidate_id` its
        parent would close a cycle. Holds the workspace's lock on parent changes until the
        transaction ends, so concurrent changes cannot both pass."""
        return await self.chain_reaches("accounts", "parent_id", candidate_id, account_id)


# Journal

# The entry reversing `e`, if any (the unique key on reverses_entry_id serves it).
REVERSED_BY = """(SELECT r.id FROM journal_entries r
    WHERE r.workspace_id = $1 AND r.reverses_entry_id = e.id) AS reversed_by_entry_id"""
ENTRY_SORTS = {"entry_date": "entry_date", "number": "number", "created_at": "created_at"}
DRAFT_COLUMNS = """d.id, d.entry_date, d.currency, d.memo, d.created_by_user_id, d.created_at,
    d.updated_at"""
DRAFT_LINE_COLUMNS = """l.id, l.position, l.account_id, l.debit, l.credit, l.description,
    l.customer_id, l.project_id, l.employee_id"""
DRAFT_SORTS = {"updated_at": "updated_at", "entry_date": "entry_date", "created_at": "created_at"}
UPDATABLE_DRAFT_COLUMNS = frozenset({"entry_date", "currency", "memo"})


class PostedEntriesRepository(ScopedRepository):
    """The journal as it is read: entries with their reversal, lines with their account."""

    async def list(
        self,
        *,
        date_from: date | None,
        date_to: date | None,
        source_types: Sequence[str],
        account_id: uuid.UUID | None,
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[Records, int]:
        order = order_by(sort, ENTRY_SORTS, "-entry_date")
        where = Where(self.workspace_id, "e")
        if date_from is not None:
            where.add(f"e.entry_date >= {where.param(date_from)}")
        if date_to is not None:
            where.add(f"e.entry_date <= {where.param(date_to)}")
        if source_types:
            where.add(f"e.source_type = ANY({where.param(list(source_types))}::text[])")
        if account_id is not None:
            where.add(
                "EXISTS (SELECT 1 FROM journal_lines l WHERE l.workspace_id = $1"
                f" AND l.entry_id = e.id AND l.account_id = {where.param(account_id)})"
            )
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(e.number ILIKE {pattern} OR e.memo ILIKE {pattern})")
        return await fetch_page(
            self.db,
            f"{ENTRY_COLUMNS}, {REVERSED_BY}",
            "journal_entries e",
            where,
            order,
            page.limit,
            page.offset,
        )

    async def get(self, entry_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {ENTRY_COLUMNS}, {REVERSED_BY} FROM journal_entries e"
            " WHERE e.workspace_id = $1 AND e.id = $2",
            self.workspace_id,
            entry_id,
        )

    async def lines(self, entry_id: uuid.UUID) -> Records:
        """The entry's lines in order, each with its account's code and name."""
        return await self.db.fetch(
            f"""SELECT {LINE_COLUMNS}, a.code AS account_code, a.name AS account_name
                  FROM journal_lines l
                  JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.account_id
                 WHERE l.workspace_id = $1 AND l.entry_id = $2
                 ORDER BY l.position""",
            self.workspace_id,
            entry_id,
        )


class PostingChecksRepository(ScopedRepository):
    """What a manual entry names, read to check it line by line before it posts."""

    async def accounts(self, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
        rows = await self.db.fetch(
            """SELECT a.id, a.code, a.is_group, a.is_active, a.currency FROM accounts a
                WHERE a.workspace_id = $1 AND a.id = ANY($2::uuid[])""",
            self.workspace_id,
            list(account_ids),
        )
        return {r["id"]: r for r in rows}

    async def dimensions(
        self,
        customer_ids: Sequence[uuid.UUID],
        project_ids: Sequence[uuid.UUID],
        employee_ids: Sequence[uuid.UUID],
    ) -> set[tuple[str, uuid.UUID]]:
        """(kind, id) of the named customers, projects and employees the workspace has:
        the same rows the lines' foreign keys check."""
        rows = await self.db.fetch(
            """SELECT 'customer_id' AS kind, c.id FROM customers c
                WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])
               UNION ALL
               SELECT 'project_id', p.id FROM projects p
                WHERE p.workspace_id = $1 AND p.id = ANY($3::uuid[])
               UNION ALL
               SELECT 'employee_id', m.id FROM employees m
                WHERE m.workspace_id = $1 AND m.id = ANY($4::uuid[])""",
            self.workspace_id,
            list(customer_ids),
            list(project_ids),
            list(employee_ids),
        )
        return {(r["kind"], r["id"]) for r in rows}


class JournalDraftsRepository(ScopedRepository):
    async def create(
        self, *, entry_date: date | None, currency: str | None, memo: str, user_id: uuid.UUID
    ) -> uuid.UUID:
        if currency is None:
            currency = await self.base_currency()
        draft_id = uuid7()
        await self.db.execute(
            """INSERT INTO journal_drafts (workspace_id, id, entry_date, currency, memo,
                                           created_by_user_id)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            self.workspace_id,
            draft_id,
            entry_date,
            currency,
            memo,
            user_id,
        )
        return draft_id

    async def get(self, draft_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
        lock = " FOR UPDATE" if for_update else ""
        return await self.db.fetchrow(
            f"SELECT {DRAFT_COLUMNS} FROM journal_drafts d"
            f" WHERE d.workspace_id = $1 AND d.id = $2{lock}",
            self.workspace_id,
            draft_id,
        )

    async def list(
        self, *, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[Records, int]:
        order = order_by(sort, DRAFT_SORTS, "-updated_at")
        where = Where(self.workspace_id, "d")
        if q:
            where.add(f"d.memo ILIKE {where.param(f'%{escape_like(q)}%')}")
        return await fetch_page(
            self.db, DRAFT_COLUMNS, "journal_drafts d", where, order, page.limit, page.offset
        )

    async def update(self, draft_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
        """Sets `changes` and the time of the change (also for lines alone: `changes` {})."""
        sets = set_list(changes, UPDATABLE_DRAFT_COLUMNS, first=3)
        await self.db.execute(
            f"""UPDATE journal_drafts SET {sets + ", " if sets else ""}updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            draft_id,
            *changes.values(),
        )

    async def delete(self, draft_id: uuid.UUID) -> None:
        """Deletes the draft and its lines (ON DELETE CASCADE)."""
        await self.db.execute(
            "DELETE FROM journal_drafts WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            draft_id,
        )

    async def lines(self, draft_id: uuid.UUID) -> Records:
        return await self.db.fetch(
            f"""SELECT {DRAFT_LINE_COLUMNS} FROM journal_draft_lines l
                 WHERE l.workspace_id = $1 AND l.draft_id = $2 ORDER BY l.position""",
            self.workspace_id,
            draft_id,
        )

    async def replace_lines(self, draft_id: uuid.UUID, lines: Sequence[Mapping[str, Any]]) -> None:
        """Deletes the draft's lines and inserts `lines`, numbered from 1."""
        await self.db.execute(
            "DELETE FROM journal_draft_lines WHERE workspace_id = $1 AND draft_id = $2",
            self.workspace_id,
            draft_id,
        )
        await insert_rows(
            self.db,
            "journal_draft_lines (workspace_id, id, draft_id, " + ", ".join(LINE_FIELDS) + ")",
            [
                (
                    self.workspace_id,
                    uuid7(),
                    draft_id,
                    position,
                    *(line[name] for name in LINE_FIELDS[1:]),
                )
                for position, line in enumerate(lines, start=1)
            ],
        )


# The chain as the operator's `atlas-erp ledger verify` reads it, workspace by workspace.
# The lines' text is the digest's own expression (migration 0011, atlas_ledger_digest).
CHAIN_LINES_TEXT = """(SELECT jsonb_agg(jsonb_build_array(l.position, l.account_id, l.debit,
        l.credit, l.description, l.customer_id, l.project_id, l.employee_id)
        ORDER BY l.position)::text
      FROM journal_lines l WHERE l.workspace_id = $1 AND l.entry_id = e.id)"""
CHAIN_LINE_SUMS = """(SELECT count(*) FROM journal_lines l
        WHERE l.workspace_id = $1 AND l.entry_id = e.id) AS lines_counted,
    (SELECT coalesce(sum(l.debit), 0) FROM journal_lines l
        WHERE l.workspace_id = $1 AND l.entry_id = e.id) AS lines_debit,
    (SELECT coalesce(sum(l.credit), 0) FROM journal_lines l
        WHERE l.workspace_id = $1 AND l.entry_id = e.id) AS lines_credit"""
# The entry's own fields as the digest hashes them (migration 0011, atlas_ledger_entry_fields).
CHAIN_ENTRY_FIELDS = """atlas_ledger_entry_fields(e.workspace_id, e.id, e.number, e.entry_date,
    e.currency, e.memo, e.source_type, e.source_id, e.source_event, e.reverses_entry_id,
    e.created_by_user_id, e.line_count, e.total, e.chain_seq)"""

# Entries fetched per round trip of the chain's cursor.
CHAIN_PREFETCH = 1000


async def workspaces(db: asyncpg.Connection, slug: str | None) -> Records:
    """Every workspace by slug, or the one named `slug` (the global table)."""
    return await db.fetch(
        "SELECT w.id, w.slug FROM workspaces w WHERE $1::text IS NULL OR w.slug = $1"
        " ORDER BY w.slug",
        slug,
    )


async def act_as_operator(db: asyncpg.Connection) -> None:
    """Names the operator as the transaction's actor, as the guard names a user (SET
    LOCAL, which Citus carries to the workers): audit events record it."""
    await db.execute("SET LOCAL app.user_email = 'operator'")


class ChainRepository(ScopedRepository):
    async def entries(self) -> AsyncGenerator[asyncpg.Record, None]:
        """The workspace's entries in chain order with what their hash covers, as text,
        and their lines' count and sums, through a server-side cursor (needs a
        transaction)."""
        query = f"""SELECT e.id, e.number, e.chain_seq, e.line_count, e.total, e.prev_hash, e.hash,
                       {CHAIN_ENTRY_FIELDS}::text AS fields_text,
                       {CHAIN_LINES_TEXT} AS lines_text,
                       {CHAIN_LINE_SUMS}
                  FROM journal_entries e WHERE e.workspace_id = $1 ORDER BY e.chain_seq"""
        async for record in self.db.cursor(query, self.workspace_id, prefetch=CHAIN_PREFETCH):
            yield record

    async def first_wrong_day_total(self) -> asyncpg.Record | None:
        """The first account day (by date and code) whose kept total is not the sum of its
        posted lines, or that has lines and no total, or a total and no lines."""
        return await self.db.fetchrow(
            """SELECT a.code, coalesce(t.entry_date, l.entry_date) AS entry_date,
                      coalesce(t.currency, l.currency) AS currency,
                      t.debit AS kept_debit, t.credit AS kept_credit, t.line_count AS kept_lines,
                      coalesce(l.debit, 0.00) AS debit, coalesce(l.credit, 0.00) AS credit,
                      coalesce(l.lines, 0) AS lines
                 FROM (SELECT * FROM journal_day_totals WHERE workspace_id = $1) t
                 FULL JOIN (SELECT account_id, currency, entry_date, sum(debit) AS debit,
                                   sum(credit) AS credit, count(*) AS lines
                              FROM journal_lines WHERE workspace_id = $1
                             GROUP BY account_id, currency, entry_date) l
                   ON l.account_id = t.account_id AND l.currency = t.currency
                  AND l.entry_date = t.entry_date
                 JOIN accounts a ON a.workspace_id = $1
                  AND a.id = coalesce(t.account_id, l.account_id)
                WHERE t.id IS NULL OR l.account_id IS NULL OR t.debit <> l.debit
                   OR t.credit <> l.credit OR t.line_count <> l.lines
                ORDER BY 2, 1 LIMIT 1""",
            self.workspace_id,
        )


# Reports

# A line's (or a day total's) amount as every report's statement sums it: debit-positive
# (the reports turn it to each account's natural side, `ledger.reports.natural`).
MOVED = "l.debit - l.credit"


class ReportsRepository(ScopedRepository):
    """The reports' statements, each one statement over the posted lines of one
    currency. The balances read the day totals the database keeps of those lines
    (`journal_day_totals`, migration 0012: one row per account and day, not one per
    line); the general ledger lists the lines themselves."""

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
                          FROM journal_day_totals l
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
        moved from `start` to `end` and before `start`, with its parent."""
        return await self.db.fetch(
            f"""SELECT a.id AS account_id, a.code, a.name, a.type, a.parent_id,
                       s.moved, s.previously_moved
                  FROM (SELECT l.account_id,
                               coalesce(sum({MOVED}) FILTER (WHERE l.entry_date >= $3), 0.00)
                                   AS moved,
                               coalesce(sum({MOVED}) FILTER (WHERE l.entry_date < $3), 0.00)
                                   AS previously_moved
                          FROM journal_day_totals l
                         WHERE l.workspace_id = $1 AND l.currency = $2
                           AND l.entry_date BETWEEN $5 AND $4
                         GROUP BY l.account_id) s
                  JOIN accounts a ON a.workspace_id = $1 AND a.id = s.account_id
                 WHERE a.type IN ('income', 'expense')
                 ORDER BY a.code""",
            self.workspace_id,
            currency,
            start,
            end,
            previous_start,
        )

    async def group_accounts(self) -> Records:
        """The group accounts of the chart with their parents: the walk from an account to
        its top-level group is made from them (Citus plans no recursive walk of a
        distributed table)."""
        return await self.db.fetch(
            """SELECT a.id, a.parent_id, a.code, a.name FROM accounts a
                WHERE a.workspace_id = $1 AND a.is_group""",
            self.workspace_id,
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
                               FROM journal_day_totals l
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
                          FROM journal_day_totals l
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
