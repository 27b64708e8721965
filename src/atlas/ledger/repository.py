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
