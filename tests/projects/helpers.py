"""Projects and tasks for tests, made through the API; snapshots of a workspace's rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql


def random_code() -> str:
    return f"P{secrets.token_hex(3).upper()}"


def new_project(actor: Actor, ws: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"code": random_code(), "name": "A project", **fields}
    resp = actor.post("/api/v1/projects", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    project: dict[str, Any] = resp.json()
    return project


def new_task(
    actor: Actor, ws: dict[str, Any], project: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"title": "A task", **fields}
    resp = actor.post(f"/api/v1/projects/{project['id']}/tasks", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    task: dict[str, Any] = resp.json()
    return task


@dataclass
class Tenant:
    """A workspace with its owner, one project and one task in it."""

    ws: dict[str, Any]
    owner: Actor
    project: dict[str, Any]
    task: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    return Tenant(ws, owner, project, new_task(owner, ws, project))


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every project and task row of `ws`, read as the owner role in that workspace."""
    return table_snapshot(sql, ws, ("projects", "tasks"))
