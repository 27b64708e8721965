"""PostgreSQL's own text search, shared by the modules' search functions.

A searched table has one `SearchDocument`: the words its rows are found by, in weighted
groups (A: the row's name, B: what else names it, such as an e-mail address). The table
stores it in a generated column, `search_document`, and the search matches the stored
words, never computing them. Under the tables' forced row-level security PostgreSQL puts
only leakproof conditions into an index, which the match is not: an index on
workspace_id finds the workspace's rows and their words are matched one by one. The GIN
index on (workspace_id, search_document) (`btree_gin`) serves the match itself once a DBA
declares `ts_match_vq` leakproof (docs/adr/0010).

Both sides are cut into words the same way: on the document's side the characters that
PostgreSQL's parser would glue into one token (`INV-2026-0001` reads as `inv`, `-2026`,
`-0001`; an e-mail address as one word) are turned into blanks first; on the query's side
the typed text is cut at every character that is not a letter or a digit. Each word
becomes a quoted prefix lexeme (`'acm':*`), so "acm" finds "Acme" and no character the
user types ever reaches `to_tsquery` as an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg
from sqlalchemy import Column, Computed, Index
from sqlalchemy.dialects.postgresql import TSVECTOR

from atlas.db.query import Where

# The 'simple' configuration: lower-cased words, no stemming, no stop words (names,
# numbers and codes are not prose).
CONFIG = "simple"
# Characters PostgreSQL's parser joins words with, read as blanks (as many blanks).
_JOINERS = "-.@/_+"
# A query of more words than this keeps the first ones (a search box, not a document).
MAX_WORDS = 8
_NOT_A_WORD = re.compile(r"[\W_]+")
# The stored document's column on every searched table.
COLUMN = "search_document"


@dataclass(frozen=True)
class SearchDocument:
    """The words a table's rows are found by: (weight, columns) groups, A first."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def sql(self, alias: str | None = None) -> str:
        """The tsvector expression, its columns qualified by `alias` (if any)."""
        prefix = f"{alias}." if alias else ""
        blanks = " " * len(_JOINERS)
        parts = []
        for weight, columns in self.groups:
            text = f"coalesce({prefix}{columns[0]}, '')"
            for column in columns[1:]:
                text = f"({text} || ' ') || coalesce({prefix}{column}, '')"
            vector = f"to_tsvector('{CONFIG}', translate({text}, '{_JOINERS}', '{blanks}'))"
            parts.append(f"setweight({vector}, '{weight}')")
        return " || ".join(parts)

    def column(self) -> Column[str]:
        """The stored document: PostgreSQL computes it on every write of the row."""
        return Column(COLUMN, TSVECTOR, Computed(self.sql(), persisted=True), nullable=True)

    def index(self, table: str) -> Index:
        """GIN on (workspace_id, document) through `btree_gin`, leading with workspace_id
        like every index: it serves the match once the match is leakproof."""
        return Index(f"ix_{table}_search", "workspace_id", COLUMN, postgresql_using="gin")


def document(alias: str) -> str:
    """The stored document of the rows of `alias`."""
    return f"{alias}.{COLUMN}"


def words(text: str) -> list[str]:
    """The words of a typed text: runs of letters and digits, at most MAX_WORDS."""
    return [w for w in _NOT_A_WORD.split(text) if w][:MAX_WORDS]


def prefix_query(text: str) -> str | None:
    """The `to_tsquery` text matching rows that have, for every word typed, a word that
    starts with it; None when the text holds no word. Each lexeme is quoted (a quote or
    a backslash in it doubled), though `words` leaves neither."""
    found = words(text)
    if not found:
        return None
    quoted = ("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in found)
    return " & ".join(quoted)


def tsquery(param: str) -> str:
    """The SQL of the query made from the parameter `param` (a `prefix_query` text)."""
    return f"to_tsquery('{CONFIG}', {param})"


async def fetch_matches(
    db: asyncpg.Connection,
    columns: str,
    source: str,
    where: Where,
    query: str,
    order: str,
    limit: int,
) -> list[asyncpg.Record]:
    """At most `limit` rows of `source` ("table alias") that `where` admits and whose
    document matches `query` (a `prefix_query` text): the best matches (words of weight
    A) first, then in `order`."""
    vector = document(source.split()[1])
    found = tsquery(where.param(query))
    where.add(f"{vector} @@ {found}")
    return await db.fetch(
        f"SELECT {columns} FROM {source} WHERE {where.sql()}"
        f" ORDER BY ts_rank({vector}, {found}) DESC, {order} LIMIT {where.param(limit)}",
        *where.args,
    )
