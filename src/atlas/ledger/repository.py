"""Every SQL statement on accounts, the books' row, journal entries, lines and drafts.

Scoped to one workspace like every repository (`workspace_id = $1` first). A posting is
two statements: its lines, then its entry, whose insert the database checks and seals
(migration 0011); refusals arrive as asyncpg errors with an `AL` SQLSTATE.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
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
