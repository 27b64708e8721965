"""The books of workspaces from before them (`atlas.books_upgrade`), in a database of its
own: a workspace written the old way gets its books and every entry its documents lack,
once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from atlas.books_upgrade import bring_books_up_to_date
from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.db.migrate import upgrade
from tests.conftest import APP_ROLE
from tests.finance.books import entries, trial_balance
from tests.sql import Sql


@pytest.fixture
def old_sql(empty_database: Settings) -> Iterator[Sql]:
    upgrade(empty_database.owner_url(), APP_ROLE)
    helper = Sql(empty_database.owner_url(), empty_database.runtime_url())
    yield helper
    helper.close()


def _old_workspace(sql: Sql) -> dict[str, Any]:
    """As before the books: no books' row, no accounts; an invoice of 120.00 (20 % tax)
    paid 50.00, and an invoice of 80.00 voided, all in raw SQL as the owner."""
    ws = sql.owner(
        "INSERT INTO workspaces (id, name, slug) VALUES (%s, 'Old', 'old') RETURNING *", uuid7()
    )[0]
    customer = uuid7()
    sql.owner(
        "INSERT INTO customers (workspace_id, id, name, currency) VALUES (%s, %s, 'Old Co', 'EUR')",
        ws["id"],
        customer,
        workspace=ws["id"],
    )
    for number, issued_on, status, amounts, voided_at in (
        ("INV-2026-0001", "2026-02-02", "issued", ("100.00", "20.00", "120.00", "20"), None),
        (
            "INV-2026-0002",
            "2026-02-05",
            "void",
            ("80.00", "0.00", "80.00", "0"),
            "2026-02-10 12:00Z",
        ),
    ):
        subtotal, tax, total, rate = amounts
        invoice = uuid7()
        sql.owner(
            """INSERT INTO invoices (workspace_id, id, customer_id, number, status, currency,
                   issue_date, due_date, subtotal, tax_total, total, issued_at, voided_at)
               VALUES (%s, %s, %s, %s, %s, 'EUR', %s, %s, %s, %s, %s, now(), %s)""",
            ws["id"],
            invoice,
            customer,
            number,
            status,
            issued_on,
            issued_on,
            subtotal,
            tax,
            total,
            voided_at,
            workspace=ws["id"],
        )
        sql.owner(
            """INSERT INTO invoice_lines (workspace_id, id, invoice_id, position, description,
                   quantity, unit_price, tax_rate, subtotal, tax, total)
               VALUES (%s, %s, %s, 1, 'Work', 1, %s, %s, %s, %s, %s)""",
            ws["id"],
            uuid7(),
            invoice,
            subtotal,
            rate,
            subtotal,
            tax,
            total,
            workspace=ws["id"],
        )
        if status == "issued":
            sql.owner(
                """INSERT INTO payments (workspace_id, id, invoice_id, amount, paid_on, method)
                   VALUES (%s, %s, %s, 50.00, '2026-02-20', 'bank_transfer')""",
                ws["id"],
                uuid7(),
                invoice,
                workspace=ws["id"],
            )
            sql.owner(
                "UPDATE invoices SET amount_paid = 50.00 WHERE workspace_id = %s AND id = %s",
                ws["id"],
                invoice,
                workspace=ws["id"],
            )
    return ws


def test_old_workspaces_get_their_books_and_entries_once(
    old_sql: Sql, empty_database: Settings
) -> None:
    ws = _old_workspace(old_sql)
    counts = asyncio.run(bring_books_up_to_date(empty_database.owner_url()))
    assert counts == {
        "workspaces": 1,
        "books_opened": 1,
        "invoices": 2,
        "payments": 1,
        "reversals": 1,
    }
    posted = entries(old_sql, ws)
    assert [(e["number"], str(e["entry_date"]), e["source_type"]) for e in posted] == [
        ("JE-2026-0001", "2026-02-02", "invoice"),
        ("JE-2026-0002", "2026-02-05", "invoice"),
        ("JE-2026-0003", "2026-02-10", "reversal"),
        ("JE-2026-0004", "2026-02-20", "payment"),
    ]
    assert trial_balance(old_sql, ws) == {
        "1110": ("50.00", "0.00"),
        "1200": ("200.00", "130.00"),
        "2200": ("0.00", "20.00"),
        "4100": ("80.00", "180.00"),
    }
    again = asyncio.run(bring_books_up_to_date(empty_database.owner_url()))
    assert again == {
        "workspaces": 1,
        "books_opened": 0,
        "invoices": 0,
        "payments": 0,
        "reversals": 0,
    }
    assert len(entries(old_sql, ws)) == 4
