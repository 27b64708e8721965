"""What finance posted to the books, read back in SQL as the owner role."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.sql import Sql

# An entry's line: account code, debit, credit, customer id (or None), as text.
Line = tuple[str, str, str, str | None]


def account_id(sql: Sql, ws: dict[str, Any], code: str) -> str:
    rows = sql.owner(
        "SELECT id FROM accounts WHERE workspace_id = %s AND code = %s",
        ws["id"],
        code,
        workspace=ws["id"],
    )
    return str(rows[0]["id"])


def entry_of(sql: Sql, ws: dict[str, Any], source_type: str, source_id: Any) -> dict[str, Any]:
    """The one entry the document posted (a reversal's source is the reversed entry)."""
    rows = sql.owner(
        "SELECT * FROM journal_entries WHERE workspace_id = %s AND source_type = %s"
        " AND source_id = %s",
        ws["id"],
        source_type,
        source_id,
        workspace=ws["id"],
    )
    assert len(rows) == 1, rows
    return rows[0]


def lines_of(sql: Sql, ws: dict[str, Any], entry: dict[str, Any]) -> list[Line]:
    rows = sql.owner(
        """SELECT a.code, l.debit, l.credit, l.customer_id FROM journal_lines l
             JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.account_id
            WHERE l.workspace_id = %s AND l.entry_id = %s ORDER BY l.position""",
        ws["id"],
        entry["id"],
        workspace=ws["id"],
    )
    return [
        (
            r["code"],
            str(r["debit"]),
            str(r["credit"]),
            str(r["customer_id"]) if r["customer_id"] else None,
        )
        for r in rows
    ]


def entries(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    return sql.owner(
        "SELECT * FROM journal_entries WHERE workspace_id = %s ORDER BY chain_seq",
        ws["id"],
        workspace=ws["id"],
    )


def trial_balance(sql: Sql, ws: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Per account code: the sums of its debits and credits."""
    rows = sql.owner(
        """SELECT a.code, sum(l.debit) AS debit, sum(l.credit) AS credit FROM journal_lines l
             JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.account_id
            WHERE l.workspace_id = %s GROUP BY a.code ORDER BY a.code""",
        ws["id"],
        workspace=ws["id"],
    )
    return {r["code"]: (str(r["debit"]), str(r["credit"])) for r in rows}


def lock_books(sql: Sql, ws: dict[str, Any], on: date) -> None:
    """Closes the books up to `on`, as the app role in the workspace's tenant context."""
    sql.app(
        "UPDATE ledgers SET lock_date = %s WHERE workspace_id = %s",
        on,
        ws["id"],
        workspace=ws["id"],
    )
