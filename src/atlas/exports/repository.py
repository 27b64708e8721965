"""Every SQL statement of the tenant export.

Each tenant table is read with `workspace_id = $1` under the transaction's tenant
context, so row-level security filters the same rows again. Table and column names come
from the shared metadata, never from input.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy import Table

from atlas.db.sql import quote_ident

# Columns never exported, whoever asks: secrets that would let the archive's reader act
# as someone.
SECRET_COLUMNS: dict[str, frozenset[str]] = {
    "api_keys": frozenset({"token_hash"}),
    "invitations": frozenset({"token_hash"}),
}

# Rows fetched per round trip of the server-side cursor.
CURSOR_PREFETCH = 1000


def exported_columns(table: Table, hidden: frozenset[str] = frozenset()) -> list[str]:
    """The table's columns in schema order, less its secret ones, `hidden` and the
    generated ones (the search's documents restate the row's own fields)."""
    left_out = SECRET_COLUMNS.get(table.name, frozenset()) | hidden
    return [
        column.name
        for column in table.columns
        if column.name not in left_out and column.computed is None
    ]


def _select(table: Table, hidden: frozenset[str]) -> str:
    columns = ", ".join(quote_ident(name) for name in exported_columns(table, hidden))
    return f"SELECT {columns} FROM {quote_ident(table.name)} WHERE workspace_id = $1 ORDER BY id"


async def count_rows(db: asyncpg.Connection, table: Table, workspace_id: uuid.UUID) -> int:
    """How many rows of `table` the workspace has."""
    total = await db.fetchval(
        f"SELECT count(*) FROM {quote_ident(table.name)} WHERE workspace_id = $1", workspace_id
    )
    return int(total)


async def table_rows(
    db: asyncpg.Connection,
    table: Table,
    workspace_id: uuid.UUID,
    hidden: frozenset[str] = frozenset(),
) -> AsyncIterator[asyncpg.Record]:
    """The workspace's rows of `table` by id, without the `hidden` columns, through a
    server-side cursor (needs a transaction), so memory holds one chunk at a time."""
    query = _select(table, hidden)
    async for record in db.cursor(query, workspace_id, prefetch=CURSOR_PREFETCH):
        yield record


async def workspace_by_slug(db: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    """The global workspaces row with this slug (id, slug, name), if any."""
    row: asyncpg.Record | None = await db.fetchrow(
        "SELECT id, slug, name FROM workspaces WHERE slug = $1", slug
    )
    return row
