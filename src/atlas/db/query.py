"""Query helpers shared by the workspace-scoped repositories.

Nothing here names a tenant table: callers pass their own columns, sources and orderings,
and every statement keeps `workspace_id = $1` first, as the repositories promise. The one
table named is the global row every scope hangs from, `workspaces`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg


def rank(column: str, values: Sequence[str]) -> str:
    """Sorts a status or priority column in its workflow order, not alphabetically."""
    literals = ", ".join(f"'{value}'" for value in values)
    return f"array_position(ARRAY[{literals}]::text[], {column})"


class Where:
    """A WHERE clause built from parameters; $1 is always the scope of the rows: the
    workspace, or, built with `scoped`, what a widened RLS policy admits rows by (the user
    whose memberships, the address whose invitations are read)."""

    def __init__(self, workspace_id: uuid.UUID, alias: str) -> None:
        self.args: list[Any] = [workspace_id]
        self.clauses = [f"{alias}.workspace_id = $1"]

    @classmethod
    def scoped(cls, clause: str, value: Any) -> Where:
        """A WHERE clause whose first condition is `clause`, which names `value` as $1."""
        where = cls.__new__(cls)
        where.args = [value]
        where.clauses = [clause]
        return where

    def param(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, clause: str) -> None:
        self.clauses.append(clause)

    def sql(self) -> str:
        return " AND ".join(self.clauses)


# Lists count their matching rows up to this many and no further: past it, a page says
# "more than COUNT_CAP" (`Page.total_is_capped`) instead of reading every row to count them.
COUNT_CAP = 10_000


async def fetch_page(
    db: asyncpg.Connection,
    columns: str,
    source: str,
    where: Where,
    order: str,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """One page in `order` and the number of matching rows counted up to the cap plus one
    (so cap + 1 means "more than the cap"), in one round trip whenever the page has rows.

    When `source` is one table and its alias ("invoices i"), the page's rows are chosen
    first, on the table's own columns (an index in `order` serves it), and only they get
    `columns`: the rows an OFFSET skips never run the columns' subqueries. A source of
    joined tables is paged as it is. The count is an uncorrelated subquery, run once; its
    LIMIT stops it after cap + 1 rows."""
    n = len(where.args)
    counted = f"""(SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where.sql()}
                     LIMIT ${n + 3}) AS capped)"""
    table = source.split()
    if len(table) == 2:
        alias = table[1]
        query = f"""SELECT {columns}, {counted} AS total_rows
              FROM (SELECT {alias}.* FROM {source} WHERE {where.sql()}
                     ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}) AS {alias}
             ORDER BY {order}"""
    else:
        query = f"""SELECT {columns}, {counted} AS total_rows FROM {source}
             WHERE {where.sql()} ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}"""
    rows = await db.fetch(query, *where.args, limit, offset, COUNT_CAP + 1)
    if rows:
        return rows, int(rows[0]["total_rows"])
    if offset == 0:
        return [], 0
    total = await db.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where.sql()} LIMIT ${n + 1}) AS c",
        *where.args,
        COUNT_CAP + 1,
    )
    return [], int(total)


def set_list(changes: Mapping[str, Any], allowed: frozenset[str], first: int) -> str:
    """`column = $n, ...` for an update, numbered from `first`; unknown columns are refused."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not updatable: {', '.join(sorted(unknown))}")
    return ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=first))


# Rows per statement of `insert_rows`: one round trip per chunk, while the statement stays
# small enough to plan quickly (500 rows in one VALUES plan slower than five of 100).
INSERT_CHUNK = 100


async def insert_rows(db: asyncpg.Connection, target: str, rows: Sequence[Sequence[Any]]) -> None:
    """Inserts `rows` into `target` ("table (column, ...)") as multi-row VALUES with
    numbered parameters, INSERT_CHUNK rows a statement. Not `INSERT ... SELECT FROM
    unnest(...)`: Citus runs that as COPY, which row-level security refuses."""
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        width = len(chunk[0])
        values = ", ".join(
            "(" + ", ".join(f"${row * width + column}" for column in range(1, width + 1)) + ")"
            for row in range(len(chunk))
        )
        await db.execute(
            f"INSERT INTO {target} VALUES {values}", *(value for row in chunk for value in row)
        )


class ScopedRepository:
    """A repository bound to one connection and one workspace."""

    def __init__(self, db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
        self.db = db
        self.workspace_id = workspace_id

    async def base_currency(self) -> str:
        """The workspace's base currency, for a row created without a currency of its own.
        Read in its own statement: Citus refuses a sub-select inside an INSERT."""
        currency: str = await self.db.fetchval(
            "SELECT base_currency FROM workspaces WHERE id = $1", self.workspace_id
        )
        return currency

    async def clear_references(self, table: str, column: str, value: uuid.UUID) -> None:
        """Sets `table.column` NULL where it holds `value`: what `ON DELETE SET NULL` did,
        which Citus refuses on a foreign key holding workspace_id. The caller holds the
        referenced row's lock, so no new reference comes in before it goes."""
        await self.db.execute(
            f"UPDATE {table} SET {column} = NULL WHERE workspace_id = $1 AND {column} = $2",
            self.workspace_id,
            value,
        )

    async def delete_referenced(
        self, table: str, row_id: uuid.UUID, references: Sequence[tuple[str, str]]
    ) -> bool:
        """Deletes the row `row_id` of `table` after clearing each (table, column) that
        refers to it; False if there is no such row. The row is locked first: a reference
        made meanwhile would wait for the delete, then fail its foreign key. (Names are
        the program's, never input.)"""
        found = await self.db.fetchval(
            f"SELECT true FROM {table} WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
            self.workspace_id,
            row_id,
        )
        if not found:
            return False
        for referring, column in references:
            await self.clear_references(referring, column, row_id)
        await self.db.execute(
            f"DELETE FROM {table} WHERE workspace_id = $1 AND id = $2", self.workspace_id, row_id
        )
        return True

    async def chain_reaches(
        self, table: str, link: str, start: uuid.UUID, target: uuid.UUID
    ) -> bool:
        """Whether following `table.link` (a parent, a manager, a dependency) from the row
        `start` reaches `target`, `start` itself included: pointing `target` at `start`
        would then close a cycle.

        First waits for, then holds until the transaction ends, the workspace's lock on
        `table.link`, so two edits that would each close half of a cycle run one after the
        other and the second sees the first. An advisory lock rather than row locks because
        the rows the walk reads are only known while reading them, and locking them as they
        come would let two opposing edits deadlock. The lock is its own statement: a
        statement's snapshot is taken when it starts, so only a later one sees what the
        previous holder committed. (`table` and `link` are the program's names, never input.)
        """
        await self.db.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2::uuid::text, 0))",
            f"{table}.{link}",
            self.workspace_id,
        )
        found = await self.db.fetchval(
            f"""WITH RECURSIVE chain (id, next_id) AS (
                    SELECT id, {link} FROM {table} WHERE workspace_id = $1 AND id = $2
                    UNION
                    SELECT t.id, t.{link} FROM {table} t
                      JOIN chain c ON t.id = c.next_id
                     WHERE t.workspace_id = $1
                )
                SELECT EXISTS (SELECT 1 FROM chain WHERE id = $3)""",
            self.workspace_id,
            start,
            target,
        )
        return bool(found)
