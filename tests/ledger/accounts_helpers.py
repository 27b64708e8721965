"""Chart-of-accounts test data: accounts through the API, postings and the rows that name
an account through SQL (their own APIs are the journal's and finance's); snapshots."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql, set_context

BOOKS_TABLES = ("accounts", "ledgers")


def snapshot(sql: Sql, ws: dict[str, Any]) -> Any:
    return table_snapshot(sql, ws, BOOKS_TABLES)


def chart(actor: Actor, ws: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The workspace's accounts by code (the default chart fits in one page)."""
    resp = actor.get("/api/v1/accounts", ws=ws, params={"limit": 200})
    assert resp.status_code == 200, resp.text
    return {account["code"]: account for account in resp.json()["items"]}


def new_account(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"code": f"X{secrets.token_hex(4)}", "name": "An account", "type": "expense", **fields}
    resp = actor.post("/api/v1/accounts", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    account: dict[str, Any] = resp.json()
    return account


def post_entry(
    sql: Sql, ws: dict[str, Any], debit_id: str, credit_id: str, on: date = date(2026, 3, 1)
) -> None:
    """A balanced entry of two lines, posted as the app role does (lines, then entry)."""
    entry_id = uuid7()
    conn = sql.connection("app")
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, workspace_id=ws["id"])
        amount, zero = Decimal("10.00"), Decimal("0")
        lines = ((1, debit_id, amount, zero), (2, credit_id, zero, amount))
        for position, account_id, debit, credit in lines:
            cur.execute(
                """INSERT INTO journal_lines (workspace_id, id, entry_id, position, entry_date,
                       currency, account_id, debit, credit)
                   VALUES (%s, %s, %s, %s, %s, 'EUR', %s, %s, %s)""",
                (ws["id"], uuid7(), entry_id, position, on, account_id, debit, credit),
            )
        cur.execute(
            """INSERT INTO journal_entries (workspace_id, id, number, entry_date, currency,
                   source_type, source_event)
               VALUES (%s, %s, %s, %s, 'EUR', 'manual', 'posted')""",
            (ws["id"], entry_id, f"JE-T-{entry_id.hex}", on),
        )


def many_accounts(sql: Sql, ws: dict[str, Any], count: int) -> None:
    """`count` top-level expense accounts of `ws` in one statement, as the owner."""
    sql.insert_rows(
        "accounts",
        [
            {
                "workspace_id": ws["id"],
                "id": uuid7(),
                "code": f"B{n:05d}",
                "name": f"Bulk {n}",
                "type": "expense",
            }
            for n in range(count)
        ],
        returning="id",
        workspace=ws["id"],
    )


@dataclass
class Tenant:
    """A workspace with its owner, the default chart, an account the owner made and a
    spare one nothing names (to delete)."""

    ws: dict[str, Any]
    owner: Actor
    account: dict[str, Any]
    spare: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    return Tenant(ws, owner, new_account(owner, ws), new_account(owner, ws))
