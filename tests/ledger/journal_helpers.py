"""Journal test data: a workspace's accounts by code, manual entries and drafts made
through the API, and an entry a document posted, written as the app role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql, set_context

JOURNAL_TABLES = (
    "journal_entries",
    "journal_lines",
    "journal_drafts",
    "journal_draft_lines",
    "number_sequences",
    "ledgers",
)


def accounts(sql: Sql, ws: dict[str, Any]) -> dict[str, str]:
    """The workspace's account ids by code."""
    rows = sql.owner(
        "SELECT code, id FROM accounts WHERE workspace_id = %s", ws["id"], workspace=ws["id"]
    )
    return {row["code"]: str(row["id"]) for row in rows}


def line(account: str, debit: str = "0", credit: str = "0", **fields: Any) -> dict[str, Any]:
    return {"account_id": account, "debit": debit, "credit": credit, **fields}


def rent(
    codes: dict[str, str], amount: str = "100.00", on: str = "2026-03-01", **fields: Any
) -> dict[str, Any]:
    """A balanced manual entry: rent paid from the bank."""
    return {
        "entry_date": on,
        "memo": f"Rent {secrets.token_hex(3)}",
        "lines": [line(codes["6200"], debit=amount), line(codes["1110"], credit=amount)],
        **fields,
    }


def post_entry(actor: Actor, ws: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    resp = actor.post("/api/v1/journal-entries", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    entry: dict[str, Any] = resp.json()
    return entry


def new_draft(actor: Actor, ws: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    resp = actor.post("/api/v1/journal-drafts", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    draft: dict[str, Any] = resp.json()
    return draft


def document_entry(
    sql: Sql, ws: dict[str, Any], source_type: str, on: date = date(2026, 3, 1)
) -> str:
    """An entry as a document's posting makes it (source `source_type`), in raw SQL as the
    app role: lines, then the entry."""
    codes = accounts(sql, ws)
    entry_id = uuid7()
    conn = sql.connection("app")
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, workspace_id=ws["id"])
        for position, (code, debit, credit) in enumerate(
            (("1200", "50.00", "0"), ("4100", "0", "50.00")), start=1
        ):
            cur.execute(
                """INSERT INTO journal_lines (workspace_id, id, entry_id, position, entry_date,
                       currency, account_id, debit, credit)
                   VALUES (%s, %s, %s, %s, %s, 'USD', %s, %s, %s)""",
                (ws["id"], uuid7(), entry_id, position, on, codes[code], debit, credit),
            )
        cur.execute(
            """INSERT INTO journal_entries (workspace_id, id, number, entry_date, currency,
                   source_type, source_id, source_event)
               VALUES (%s, %s, %s, %s, 'USD', %s, %s, 'issued')""",
            (ws["id"], entry_id, f"JE-DOC-{entry_id.hex}", on, source_type, uuid7()),
        )
    return str(entry_id)


def set_lock_date(sql: Sql, ws: dict[str, Any], lock_date: str) -> None:
    sql.app("UPDATE ledgers SET lock_date = %s", lock_date, workspace=ws["id"])


@dataclass
class Tenant:
    """A workspace with its owner, its accounts, a posted manual entry and a draft."""

    ws: dict[str, Any]
    owner: Actor
    codes: dict[str, str]
    entry: dict[str, Any]
    draft: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    codes = accounts(factory.sql, ws)
    entry = post_entry(owner, ws, rent(codes))
    draft = new_draft(owner, ws, rent(codes, "40.00"))
    return Tenant(ws, owner, codes, entry, draft)


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return table_snapshot(sql, ws, JOURNAL_TABLES)
