"""The counter statement: taken under the row's lock inside the caller's transaction, so a
rollback gives the number back and concurrent callers queue (no gaps, no duplicates)."""

from __future__ import annotations

import uuid

import asyncpg

from atlas.db.ids import uuid7


class NumberSequences:
    def __init__(self, db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
        self.db = db
        self.workspace_id = workspace_id

    async def next(self, name: str) -> int:
        value: int = await self.db.fetchval(
            # The time is a value of the row (excluded): Citus refuses now() in DO UPDATE SET.
            """INSERT INTO number_sequences AS s (workspace_id, id, name, last_value, updated_at)
               VALUES ($1, $2, $3, 1, now())
               ON CONFLICT (workspace_id, name)
               DO UPDATE SET last_value = s.last_value + 1, updated_at = excluded.updated_at
               RETURNING s.last_value""",
            self.workspace_id,
            uuid7(),
            name,
        )
        return value
