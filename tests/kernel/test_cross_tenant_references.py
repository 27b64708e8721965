"""The floor: every reference between tenant tables refuses a row of another workspace.

Each case inserts or updates a row of workspace A, with A's tenant context, so that one
of its references names a row of workspace B; the composite foreign key refuses it.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from atlas.db.ids import uuid7
from tests.factories import Factory
from tests.sql import Sql, set_context

pytestmark = pytest.mark.pg_matrix


def _rows(sql: Sql, ws: dict[str, Any], member: uuid.UUID) -> dict[str, uuid.UUID]:
    """One row of each kind in `ws`, written as the owner role in its context."""
    ids = {name: uuid7() for name in ("dep", "emp", "lt", "cust", "inv", "proj", "task")}
    run = [
        (
            "INSERT INTO departments (workspace_id, id, code, name) VALUES (%s, %s, 'D', 'D')",
            ids["dep"],
        ),
        (
            "INSERT INTO employees (workspace_id, id, number, first_name, last_name, work_email)"
            " VALUES (%s, %s, 1, 'E', 'E', 'e@example.com')",
            ids["emp"],
        ),
        (
            "INSERT INTO leave_types (workspace_id, id, name, yearly_allowance_days)"
            " VALUES (%s, %s, 'Annual', 25)",
            ids["lt"],
        ),
        (
            "INSERT INTO customers (workspace_id, id, name, currency) VALUES (%s, %s, 'C', 'USD')",
            ids["cust"],
        ),
        (
            "INSERT INTO projects (workspace_id, id, code, name, currency)"
            " VALUES (%s, %s, 'PRJ', 'P', 'USD')",
            ids["proj"],
        ),
    ]
    for statement, row_id in run:
        sql.owner(statement, ws["id"], row_id, workspace=ws["id"])
    sql.owner(
        "INSERT INTO invoices (workspace_id, id, customer_id, currency) VALUES (%s, %s, %s, 'USD')",
        ws["id"],
        ids["inv"],
        ids["cust"],
        workspace=ws["id"],
    )
    sql.owner(
        "INSERT INTO tasks (workspace_id, id, project_id, number, title)"
        " VALUES (%s, %s, %s, 1, 'T')",
        ws["id"],
        ids["task"],
        ids["proj"],
        workspace=ws["id"],
    )
    ids["member"] = member
    return ids


# Statements with A's ids as %(a_…)s and B's as %(b_…)s, by what they attempt.
CASES = {
    "department parent in B": "UPDATE departments SET parent_department_id = %(b_dep)s"
    " WHERE id = %(a_dep)s",
    "department manager in B": "UPDATE departments SET manager_employee_id = %(b_emp)s"
    " WHERE id = %(a_dep)s",
    "employee department in B": "UPDATE employees SET department_id = %(b_dep)s"
    " WHERE id = %(a_emp)s",
    "employee manager in B": "UPDATE employees SET manager_id = %(b_emp)s WHERE id = %(a_emp)s",
    "employee linked to a member of B only": "UPDATE employees SET user_id = %(b_member)s"
    " WHERE id = %(a_emp)s",
    "leave request of a leave type in B": "INSERT INTO leave_requests (workspace_id, id,"
    " employee_id, leave_type_id, start_date, end_date, days) VALUES (%(a_ws)s, %(new)s,"
    " %(a_emp)s, %(b_lt)s, '2026-01-05', '2026-01-05', 1)",
    "invoice of a customer in B": "INSERT INTO invoices (workspace_id, id, customer_id, currency)"
    " VALUES (%(a_ws)s, %(new)s, %(b_cust)s, 'USD')",
    "invoice line of an invoice in B": "INSERT INTO invoice_lines (workspace_id, id, invoice_id,"
    " position, description, quantity, unit_price, subtotal, tax, total) VALUES (%(a_ws)s,"
    " %(new)s, %(b_inv)s, 1, 'x', 1, 1, 1, 0, 1)",
    "payment of an invoice in B": "INSERT INTO payments (workspace_id, id, invoice_id, amount,"
    " paid_on, method) VALUES (%(a_ws)s, %(new)s, %(b_inv)s, 1, '2026-01-05', 'cash')",
    "time entry on a project in B": "INSERT INTO time_entries (workspace_id, id, employee_id,"
    " project_id, entry_date, hours) VALUES (%(a_ws)s, %(new)s, %(a_emp)s, %(b_proj)s,"
    " '2026-01-05', 1)",
    "time entry on a task in B": "INSERT INTO time_entries (workspace_id, id, employee_id,"
    " project_id, task_id, entry_date, hours) VALUES (%(a_ws)s, %(new)s, %(a_emp)s,"
    " %(a_proj)s, %(b_task)s, '2026-01-05', 1)",
    "time entry of an employee in B": "INSERT INTO time_entries (workspace_id, id, employee_id,"
    " project_id, entry_date, hours) VALUES (%(a_ws)s, %(new)s, %(b_emp)s, %(a_proj)s,"
    " '2026-01-05', 1)",
    "time entry invoiced on an invoice in B": "INSERT INTO time_entries (workspace_id, id,"
    " employee_id, project_id, entry_date, hours, invoice_id) VALUES (%(a_ws)s, %(new)s,"
    " %(a_emp)s, %(a_proj)s, '2026-01-05', 1, %(b_inv)s)",
    "task assigned to a member of B only": "UPDATE tasks SET assignee_user_id = %(b_member)s"
    " WHERE id = %(a_task)s",
}


@pytest.fixture(scope="module")
def two_workspaces(server: str, sql: Sql) -> dict[str, Any]:
    factory = Factory(server, sql)
    try:
        a, b = factory.workspace(factory.user()), factory.workspace(factory.user())
        outsider = factory.member(b, "member")
        params: dict[str, Any] = {"a_ws": a["id"], "b_ws": b["id"]}
        for prefix, ws, member in (("a", a, factory.user().id), ("b", b, outsider.id)):
            for name, value in _rows(sql, ws, member).items():
                params[f"{prefix}_{name}"] = value
        return params
    finally:
        factory.close()


def _as_app_in_a(sql: Sql, statement: str, params: dict[str, Any]) -> None:
    conn = sql.connection("app")
    with conn.transaction(), conn.cursor() as cur:
        set_context(cur, workspace_id=params["a_ws"])
        cur.execute(statement, params)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_reference_to_another_workspaces_row_is_refused(
    sql: Sql, two_workspaces: dict[str, Any], case: str
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        _as_app_in_a(sql, CASES[case], {**two_workspaces, "new": uuid7()})


# The same statements naming A's own rows go through: the refusals above are about the
# other workspace, not about the statements.
CONTROLS = {
    "leave request of a leave type in B": {"b_lt": "a_lt"},
    "invoice of a customer in B": {"b_cust": "a_cust"},
    "invoice line of an invoice in B": {"b_inv": "a_inv"},
    "time entry on a project in B": {"b_proj": "a_proj"},
    "time entry on a task in B": {"b_task": "a_task"},
    "time entry of an employee in B": {"b_emp": "a_emp"},
    "employee department in B": {"b_dep": "a_dep"},
    "department manager in B": {"b_emp": "a_emp"},
}


@pytest.mark.parametrize("case", sorted(CONTROLS))
def test_the_same_reference_within_the_workspace_is_accepted(
    sql: Sql, two_workspaces: dict[str, Any], case: str
) -> None:
    params = {**two_workspaces, "new": uuid7()}
    for theirs, ours in CONTROLS[case].items():
        params[theirs] = params[ours]
    _as_app_in_a(sql, CASES[case], params)
