"""The database's own walls around finance rows, met with raw SQL as the app role."""

from __future__ import annotations

from typing import Any, get_args

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.finance import schemas
from atlas.finance.service import CONSTRAINT_ERRORS
from atlas.finance.tables import INVOICE_STATUSES, PAYMENT_METHODS
from tests.finance.helpers import Tenant
from tests.sql import Sql


def _count(sql: Sql, table: str, ws: dict[str, Any]) -> int:
    rows = sql.owner(f"SELECT count(*) AS n FROM {table}", workspace=ws["id"])
    return int(rows[0]["n"])


def test_an_invoice_cannot_point_at_another_workspaces_customer(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before = _count(sql, "invoices", tenant_a.ws)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "INSERT INTO invoices (workspace_id, id, customer_id, currency)"
            " VALUES (%s, %s, %s, 'EUR')",
            tenant_a.ws["id"],
            uuid7(),
            tenant_b.customer["id"],
            workspace=tenant_a.ws["id"],
        )
    assert _count(sql, "invoices", tenant_a.ws) == before


def test_a_payment_cannot_point_at_another_workspaces_invoice(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "INSERT INTO payments (workspace_id, id, invoice_id, amount, paid_on, method)"
            " VALUES (%s, %s, %s, 1, '2026-03-02', 'cash')",
            tenant_a.ws["id"],
            uuid7(),
            tenant_b.issued["id"],
            workspace=tenant_a.ws["id"],
        )


def test_the_app_role_sees_and_changes_only_the_current_workspace(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    seen = sql.app("SELECT workspace_id FROM invoices", workspace=tenant_a.ws["id"])
    assert {r["workspace_id"] for r in seen} == {tenant_a.ws["id"]}
    moved = sql.app(
        "UPDATE invoices SET amount_paid = 0 WHERE id = %s RETURNING id",
        tenant_b.issued["id"],
        workspace=tenant_a.ws["id"],
    )
    assert moved == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql.app(
            "INSERT INTO customers (workspace_id, id, name, currency) VALUES (%s, %s, 'x', 'EUR')",
            tenant_b.ws["id"],
            uuid7(),
            workspace=tenant_a.ws["id"],
        )


def test_every_mapped_constraint_exists(sql: Sql) -> None:
    """The service maps violations by constraint name; a renamed constraint must fail here."""
    rows = sql.owner(
        "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)", list(CONSTRAINT_ERRORS)
    )
    assert sorted(r["conname"] for r in rows) == sorted(CONSTRAINT_ERRORS)


def test_api_choices_match_the_tables() -> None:
    assert get_args(schemas.InvoiceStatus) == INVOICE_STATUSES
    assert get_args(schemas.PaymentMethod) == PAYMENT_METHODS
