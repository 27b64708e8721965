"""Time-tracking test data, made through the API (employees through SQL); snapshots."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql


def new_employee(sql: Sql, ws: dict[str, Any], user: Actor | None = None) -> dict[str, Any]:
    """An employee of `ws` (SQL as the owner role), linked to `user`'s membership if given."""
    tag = secrets.token_hex(4)
    number = sql.owner(
        "SELECT coalesce(max(number), 0) + 1 AS n FROM employees WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )[0]["n"]
    return sql.owner(
        """INSERT INTO employees (workspace_id, id, number, first_name, last_name, work_email,
                                  user_id)
           VALUES (%s, %s, %s, 'Emp', %s, %s, %s)
           RETURNING *""",
        ws["id"],
        uuid7(),
        number,
        f"Loyee {tag}",
        f"emp-{tag}@example.com",
        user.id if user else None,
        workspace=ws["id"],
    )[0]


def new_time_entry(
    actor: Actor, ws: dict[str, Any], project: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {
        "project_id": project["id"],
        "entry_date": "2026-03-02",
        "hours": "2.5",
        "hourly_rate": "80.00",
        **fields,
    }
    for key in ("employee_id", "task_id"):
        if key in body and body[key] is not None:
            body[key] = str(body[key])
    resp = actor.post("/api/v1/time-entries", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    entry: dict[str, Any] = resp.json()
    return entry


@dataclass
class Tenant:
    """A workspace with its owner (linked to an employee), a project with a task and the
    owner's entry on that task."""

    ws: dict[str, Any]
    owner: Actor
    employee: dict[str, Any]
    project: dict[str, Any]
    task: dict[str, Any]
    entry: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(factory.sql, ws, owner)
    project = new_project(owner, ws)
    task = new_task(owner, ws, project)
    entry = new_time_entry(owner, ws, project, task_id=task["id"])
    return Tenant(ws, owner, employee, project, task, entry)


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every time entry of `ws`, read as the owner role."""
    return table_snapshot(sql, ws, ("time_entries",))
