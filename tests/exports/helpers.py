"""Workspaces with rows in several tables, and readers of export archives."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from typing import Any

from atlas.schema import tenant_tables
from tests import access
from tests.factories import Actor, Factory
from tests.hr.helpers import new_employee
from tests.projects.helpers import new_project, new_task
from tests.roles.helpers import new_role
from tests.sql import Sql
from tests.workspaces.helpers import member_id

SALARY = "91234.56"


@dataclass
class Tenant:
    """A workspace with its owner, a project with two tasks, a member, an invitation and
    an employee with a salary."""

    ws: dict[str, Any]
    owner: Actor
    project: dict[str, Any]
    tasks: list[dict[str, Any]]
    member: Actor
    invitation: dict[str, Any]
    employee: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    tasks = [new_task(owner, ws, project), new_task(owner, ws, project, title="Second")]
    member = factory.member(ws, "member")
    email = f"invitee-{secrets.token_hex(4)}@example.com"
    resp = owner.post("/api/v1/invitations", ws=ws, json={"email": email, "role": "viewer"})
    assert resp.status_code == 201, resp.text
    employee = new_employee(owner, ws, salary=SALARY, salary_currency="EUR")
    return Tenant(ws, owner, project, tasks, member, resp.json(), employee)


def member_with_permissions(
    factory: Factory, tenant: access.Tenant, permissions: list[str]
) -> Actor:
    """A new member of the tenant holding a custom role made through the roles API."""
    role = new_role(tenant.owner, tenant.ws, permissions=permissions)
    user = factory.member(tenant.ws, "viewer")
    resp = tenant.owner.patch(
        f"/api/v1/members/{member_id(factory, tenant.ws, user)}",
        ws=tenant.ws,
        json={"role": role["name"]},
    )
    assert resp.status_code == 200, resp.text
    return user


def all_ids(sql: Sql, ws: dict[str, Any]) -> set[str]:
    """The workspace's id and the id of every row of every tenant table in it."""
    found = {str(ws["id"])}
    for table in tenant_tables():
        rows = sql.owner(
            f"SELECT id FROM {table.name} WHERE workspace_id = %s", ws["id"], workspace=ws["id"]
        )
        found |= {str(row["id"]) for row in rows}
    return found


def read_archive(content: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest and the text of every other file of an export ZIP."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    return json.loads(files.pop("manifest.json")), files


def rows_of(files: dict[str, str], table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in files[f"{table}.jsonl"].splitlines()]
