"""The database's own walls around time entries, met with raw SQL as the app role."""

from __future__ import annotations

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.timesheets.service import CONSTRAINT_ERRORS
from tests.sql import Sql
from tests.timesheets.helpers import Tenant, snapshot


def test_a_time_entry_cannot_point_at_another_workspaces_project(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before = snapshot(sql, tenant_a.ws)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "INSERT INTO time_entries (workspace_id, id, employee_id, project_id, entry_date,"
            " hours) VALUES (%s, %s, %s, %s, '2026-03-02', 1)",
            tenant_a.ws["id"],
            uuid7(),
            tenant_a.employee["id"],
            tenant_b.project["id"],
            workspace=tenant_a.ws["id"],
        )
    assert snapshot(sql, tenant_a.ws) == before


def test_every_mapped_constraint_exists(sql: Sql) -> None:
    """The service maps violations by constraint name; a renamed constraint must fail here."""
    rows = sql.owner(
        "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)", list(CONSTRAINT_ERRORS)
    )
    assert sorted(r["conname"] for r in rows) == sorted(CONSTRAINT_ERRORS)
