"""Custom roles for tests, made through the API; snapshots of a workspace's roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.sql import Sql

ROLE_TABLES = ("workspace_roles",)
ACCOUNTANT = ["workspace:read", "invoices:read", "customers:read", "customers:manage"]


def role_name() -> str:
    return f"role-{secrets.token_hex(3)}"


def new_role(
    actor: Actor,
    ws: dict[str, Any],
    name: str | None = None,
    permissions: list[str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "name": name or role_name(),
        "permissions": ["workspace:read"] if permissions is None else permissions,
        **fields,
    }
    resp = actor.post("/api/v1/roles", ws=ws, json=body)
    assert resp.status_code == 201, resp.text
    role: dict[str, Any] = resp.json()
    return role


def role_rows(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    return sql.owner(
        "SELECT * FROM workspace_roles WHERE workspace_id = %s ORDER BY name",
        ws["id"],
        workspace=ws["id"],
    )


@dataclass
class Tenant:
    """A workspace with its owner and one custom role that an admin could grant."""

    ws: dict[str, Any]
    owner: Actor
    role: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, permissions=["customers:read", "invoices:read"])
    return Tenant(ws, owner, role)


def snapshot(sql: Sql, ws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every role row of `ws`, read as the owner role in that workspace."""
    return table_snapshot(sql, ws, ROLE_TABLES)
