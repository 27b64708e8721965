"""The database's own walls around HR rows, met with raw SQL as the app role.

Even with a tenant context set, the app role can point neither an employee at another
workspace's department nor a leave request at another workspace's employee (composite
foreign keys), nor write HR rows into another workspace (RLS).
"""

from __future__ import annotations

from typing import Any, get_args

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.hr import schemas
from atlas.hr.service import CONSTRAINT_ERRORS, DELETE_CONSTRAINT_ERRORS
from atlas.hr.tables import EMPLOYEE_STATUSES, EMPLOYMENT_TYPES, LEAVE_STATUSES
from tests.hr.helpers import Tenant, snapshot
from tests.sql import Sql

INSERT_EMPLOYEE = """INSERT INTO employees (workspace_id, id, number, first_name, last_name,
                                            work_email, department_id)
                     VALUES (%s, %s, 999, 'Smuggled', 'In', 'smuggled@corp.example.com', %s)"""
INSERT_LEAVE = """INSERT INTO leave_requests (workspace_id, id, employee_id, leave_type_id,
                                              start_date, end_date, days)
                  VALUES (%s, %s, %s, %s, '2030-01-07', '2030-01-07', 1)"""


def _counts(sql: Sql, ws: dict[str, Any]) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot(sql, ws).items()}


def test_an_employee_cannot_point_at_another_workspaces_department(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before_a, before_b = _counts(sql, tenant_a.ws), _counts(sql, tenant_b.ws)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            INSERT_EMPLOYEE,
            tenant_a.ws["id"],
            uuid7(),
            tenant_b.department["id"],
            workspace=tenant_a.ws["id"],
        )
    assert (_counts(sql, tenant_a.ws), _counts(sql, tenant_b.ws)) == (before_a, before_b)


def test_a_leave_request_cannot_point_at_another_workspaces_employee(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before_a, before_b = _counts(sql, tenant_a.ws), _counts(sql, tenant_b.ws)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            INSERT_LEAVE,
            tenant_a.ws["id"],
            uuid7(),
            tenant_b.employee["id"],
            tenant_a.leave_type["id"],
            workspace=tenant_a.ws["id"],
        )
    assert (_counts(sql, tenant_a.ws), _counts(sql, tenant_b.ws)) == (before_a, before_b)


def test_a_manager_cannot_be_an_employee_of_another_workspace(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        sql.app(
            "UPDATE employees SET manager_id = %s WHERE id = %s",
            tenant_b.employee["id"],
            tenant_a.employee["id"],
            workspace=tenant_a.ws["id"],
        )


def test_hr_rows_cannot_be_written_into_another_workspace(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    before_b = _counts(sql, tenant_b.ws)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql.app(
            INSERT_EMPLOYEE,
            tenant_b.ws["id"],
            uuid7(),
            tenant_b.department["id"],
            workspace=tenant_a.ws["id"],
        )
    assert _counts(sql, tenant_b.ws) == before_b
    seen = sql.app("SELECT id, workspace_id FROM employees", workspace=tenant_a.ws["id"])
    assert {r["workspace_id"] for r in seen} == {tenant_a.ws["id"]}
    moved = sql.app(
        "UPDATE leave_requests SET status = 'approved' WHERE id = %s RETURNING id",
        tenant_b.leave_request["id"],
        workspace=tenant_a.ws["id"],
    )
    assert moved == []


def test_every_mapped_constraint_exists(sql: Sql) -> None:
    """The service maps violations by constraint name; a renamed constraint must fail here.
    (The e-mail rule is a unique index, named like a constraint.)"""
    names = sorted(set(CONSTRAINT_ERRORS) | set(DELETE_CONSTRAINT_ERRORS))
    rows = sql.owner(
        """SELECT conname AS name FROM pg_constraint WHERE conname = ANY(%s)
           UNION SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)""",
        names,
        names,
    )
    assert sorted(r["name"] for r in rows) == names


def test_api_choices_match_the_tables() -> None:
    assert get_args(schemas.EmploymentType) == EMPLOYMENT_TYPES
    assert get_args(schemas.EmployeeStatus) == EMPLOYEE_STATUSES
    assert get_args(schemas.LeaveStatus) == LEAVE_STATUSES
