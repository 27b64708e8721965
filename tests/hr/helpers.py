"""HR records for tests, made through the API; snapshots of a workspace's HR rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql

HR_TABLES = (
    "departments",
    "employees",
    "employee_user_links",
    "leave_types",
    "leave_requests",
    "number_sequences",
)


def monday(week: int, year: int = 2030) -> date:
    """The Monday of an ISO week: leave dates that say which weekday they are."""
    return date.fromisocalendar(year, week, 1)


def _created(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def new_department(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    tag = secrets.token_hex(3).upper()
    body = {"code": f"D{tag}", "name": f"Department {tag}", **fields}
    return _created(actor.post("/api/v1/departments", ws=ws, json=body))


def new_employee(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    tag = secrets.token_hex(4)
    body = {
        "first_name": "Ada",
        "last_name": f"Lovelace {tag}",
        "work_email": f"{tag}@corp.example.com",
    }
    return _created(actor.post("/api/v1/employees", ws=ws, json={**body, **fields}))


def new_leave_type(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": f"Leave {secrets.token_hex(3)}", "yearly_allowance_days": "25", **fields}
    return _created(actor.post("/api/v1/leave-types", ws=ws, json=body))


def new_leave_request(
    actor: Actor,
    ws: dict[str, Any],
    leave_type: dict[str, Any],
    start: date,
    end: date,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "leave_type_id": leave_type["id"],
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **fields,
    }
    return _created(actor.post("/api/v1/leave-requests", ws=ws, json=body))


def linked_employee(
    factory: Factory, owner: Actor, ws: dict[str, Any], role: str, **fields: Any
) -> tuple[Actor, dict[str, Any]]:
    """A new member of `ws` with `role` and the employee linked to their membership."""
    user = factory.member(ws, role)
    return user, new_employee(owner, ws, user_id=str(user.id), **fields)


@dataclass
class Tenant:
    """A workspace with its owner, a department with an employee, two leave types (one
    unused) and a pending leave request of the employee, filed by an admin so that the
    owner may decide it."""

    ws: dict[str, Any]
    owner: Actor
    department: dict[str, Any]
    employee: dict[str, Any]
    leave_type: dict[str, Any]
    spare_leave_type: dict[str, Any]
    leave_request: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    department = new_department(owner, ws)
    employee = new_employee(
        owner, ws, department_id=department["id"], salary="5000.00", salary_currency="EUR"
    )
    leave_type, spare = new_leave_type(owner, ws), new_leave_type(owner, ws)
    clerk = factory.member(ws, "admin")
    request = new_leave_request(
        clerk, ws, leave_type, monday(10), monday(10), employee_id=employee["id"]
    )
    return Tenant(ws, owner, department, employee, leave_type, spare, request)


def many_employees(sql: Sql, ws: dict[str, Any], count: int, prefix: str) -> list[dict[str, Any]]:
    """`count` employees of `ws` in one statement, numbered after the workspace's counter
    (which moves past them), last names "{prefix} 0001", ..."""
    last = sql.owner(
        "SELECT coalesce(max(number), 0) AS n FROM employees WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )[0]["n"]
    people = []
    for n in range(1, count + 1):
        employee_id = uuid7()
        people.append(
            {
                "workspace_id": ws["id"],
                "id": employee_id,
                "number": last + n,
                "first_name": "Staff",
                "last_name": f"{prefix} {n:04d}",
                "work_email": f"{employee_id}@corp.example.com",
            }
        )
    rows = sql.insert_rows(
        "employees", people, returning="id, number, first_name, last_name", workspace=ws["id"]
    )
    sql.owner(
        """INSERT INTO number_sequences (workspace_id, id, name, last_value)
           VALUES (%s, %s, 'employee', %s)
           ON CONFLICT (workspace_id, name) DO UPDATE SET last_value = EXCLUDED.last_value""",
        ws["id"],
        uuid7(),
        last + count,
        workspace=ws["id"],
    )
    return sorted(rows, key=lambda r: r["number"])


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every HR row of `ws`, read as the owner role in that workspace."""
    return table_snapshot(sql, ws, HR_TABLES)
