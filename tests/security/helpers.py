"""Two fully furnished workspaces for the isolation tests, and what names which object.

`new_world(factory)` makes a workspace with its owner and one object of every kind the
API has, all through the JSON API (the workspace itself and its second member through
the factory). `KINDS` maps a parameter or field name of the API or the pages to the kind
of object it names; `snapshot` reads every tenant row of a workspace as the owner role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from atlas.schema import tenant_tables
from tests.apikeys.helpers import new_key
from tests.audit.helpers import events
from tests.factories import Actor, Factory
from tests.finance.helpers import issue, new_customer, new_invoice
from tests.hr.helpers import (
    monday,
    new_department,
    new_employee,
    new_leave_request,
    new_leave_type,
)
from tests.identity.authenticator import for_the_test_server, register_passkey
from tests.ledger.accounts_helpers import new_account
from tests.ledger.journal_helpers import accounts, new_draft, post_entry, rent
from tests.projects.helpers import new_project, new_task
from tests.roles.helpers import new_role
from tests.sql import Sql
from tests.timesheets.helpers import new_time_entry
from tests.workspaces import images
from tests.workspaces.helpers import invite, member_id, session_id

# The name of a path, query or body parameter -> the kind of object it names.
KINDS = {
    "workspace_ref": "workspace",
    "workspace": "workspace",
    "session_id": "session",
    "member_id": "member",
    "invitation_id": "invitation",
    "project_id": "project",
    "task_id": "task",
    "key": "task",
    "depends_on_task_id": "task",
    "role_ref": "role",
    "role_id": "role",
    "role": "role",
    "department_id": "department",
    "parent_department_id": "department",
    "employee_id": "employee",
    "manager_id": "employee",
    "manager_employee_id": "employee",
    "leave_type_id": "leave_type",
    "request_id": "leave_request",
    "customer_id": "customer",
    "invoice_id": "invoice",
    "entry_id": "time_entry",
    "user_id": "user",
    "assignee_user_id": "user",
    "actor_user_id": "user",
    "assignee": "user",
    "entity_id": "project",
    "employee": "employee",
    "actor": "user",
    "account_id": "account",
    "parent_id": "account",
    "journal_entry_id": "journal_entry",
    "draft_id": "journal_draft",
    "payment_id": "payment",
    "credit_note_id": "credit_note",
    "income_account_id": "account",
    "file_name": "logo",
    "key_id": "api_key",
    "passkey_id": "passkey",
}
# Parameters that name an object without ending in `_id`.
REF_NAMES = frozenset({"workspace", "role", "assignee", "key"})
# Parameters that take an alias only (a task's key, a role's name), or an id or alias.
ALIAS_ONLY = frozenset({"key", "role"})
ID_OR_ALIAS = frozenset({"workspace_ref", "workspace", "role_ref"})
# Fields that end in `_id` but name no object (a customer's VAT number).
NOT_REFERENCES = frozenset({"tax_id"})


def is_id_name(name: str) -> bool:
    return (name.endswith("_id") or name in REF_NAMES) and name not in NOT_REFERENCES


@dataclass
class World:
    """A workspace, its owner, a second member, and one object of each kind.

    `ids` maps a kind to the object's id; `aliases` to its other reference where the API
    takes one (a workspace's slug, a task's key, a role's name); `names` are what its
    objects show and no other workspace's answer may contain."""

    ws: dict[str, Any]
    owner: Actor
    member: Actor
    ids: dict[str, str]
    aliases: dict[str, str]
    names: list[str]
    # The owner's API key of this workspace (role owner): the attack matrix's third credential.
    api_key: str

    def refs(self, kind: str, name: str) -> list[str]:
        """What the parameter `name` of kind `kind` takes for this world's object."""
        if name in ALIAS_ONLY:
            return [self.aliases[kind]]
        if name in ID_OR_ALIAS:
            return [self.ids[kind], self.aliases[kind]]
        return [self.ids[kind]]

    def ref(self, kind: str, name: str) -> str:
        return self.refs(kind, name)[0]

    def leaks(self, text: str) -> list[str]:
        """The names of this world's objects that `text` shows."""
        return [name for name in self.names if name in text]

    def values(self) -> list[str]:
        """Every id and alias of the world: what an attacker may try anywhere."""
        return sorted({*self.ids.values(), *self.aliases.values()})


def _created(resp: Any) -> dict[str, Any]:
    assert resp.status_code in {200, 201}, resp.text
    body: dict[str, Any] = resp.json()
    return body


def new_world(factory: Factory) -> World:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    project = new_project(owner, ws)
    task = new_task(owner, ws, project, assignee_user_id=str(member.id))
    department = new_department(owner, ws)
    employee = new_employee(owner, ws, user_id=str(owner.id), department_id=department["id"])
    leave_type = new_leave_type(owner, ws)
    leave = new_leave_request(
        owner, ws, leave_type, monday(20), monday(20), employee_id=employee["id"]
    )
    entry = new_time_entry(owner, ws, project, task_id=task["id"], employee_id=employee["id"])
    customer = new_customer(owner, ws)
    draft = new_invoice(owner, ws, customer)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    payment = _created(
        owner.post(f"/api/v1/invoices/{issued['id']}/payments", ws=ws, json={"amount": "10.00"})
    )
    invitation = invite(owner, ws, f"invitee-{secrets.token_hex(4)}@example.com")
    role = new_role(owner, ws, permissions=["customers:read"])
    audit = events(owner, ws, entity_id=project["id"])["items"][0]
    account = new_account(owner, ws, name=f"Account {secrets.token_hex(4)}", is_group=True)
    credit_note = _created(
        owner.post(
            f"/api/v1/invoices/{issued['id']}/credit-notes",
            ws=ws,
            json={
                "reason": "Goodwill",
                "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": "1.00"}],
            },
        )
    )
    codes = accounts(factory.sql, ws)
    journal_entry = post_entry(owner, ws, rent(codes))
    journal_draft = new_draft(owner, ws, rent(codes))
    logo = _created(
        owner.put("/api/v1/workspace/logo", ws=ws, content=images.png(padding=ws["id"].bytes))
    )
    api_key = new_key(owner, ws, name=f"Key {secrets.token_hex(4)}", role="owner")
    passkey = _created(register_passkey(owner, for_the_test_server()))
    ids = {
        "workspace": str(ws["id"]),
        "session": session_id(owner),
        "member": member_id(factory, ws, member),
        "invitation": invitation["id"],
        "project": project["id"],
        "task": task["id"],
        "role": role["id"],
        "department": department["id"],
        "employee": employee["id"],
        "leave_type": leave_type["id"],
        "leave_request": leave["id"],
        "customer": customer["id"],
        "invoice": draft["id"],
        "issued_invoice": issued["id"],
        "payment": payment["id"],
        "time_entry": entry["id"],
        "user": str(member.id),
        "owner_user": str(owner.id),
        "audit_event": audit["id"],
        "http_request": audit["request_id"],
        "account": account["id"],
        "credit_note": credit_note["id"],
        "journal_entry": journal_entry["id"],
        "journal_draft": journal_draft["id"],
        "logo": logo["url"].rsplit("/", 1)[1],
        "api_key": api_key["id"],
        "passkey": passkey["id"],
    }
    aliases = {"workspace": ws["slug"], "task": task["key"], "role": role["name"]}
    names = [
        ws["name"],
        project["code"],
        department["name"],
        employee["last_name"],
        leave_type["name"],
        customer["name"],
        account["name"],
        invitation["email"],
        member.email,
        owner.email,
        api_key["name"],
    ]
    return World(ws, owner, member, ids, aliases, names, api_key["secret"])


Snapshot = dict[str, list[dict[str, Any]]]


def snapshot(sql: Sql, ws: dict[str, Any]) -> Snapshot:
    """Every tenant row of `ws` and its workspace row, read as the owner role."""
    rows = {
        table.name: sql.owner(
            f"SELECT * FROM {table.name} WHERE workspace_id = %s ORDER BY id",
            ws["id"],
            workspace=ws["id"],
        )
        for table in tenant_tables()
    }
    # A key's use is no change of the workspace's data (written at most once a minute).
    for key in rows["api_keys"]:
        key.pop("last_used_at")
    rows["workspaces"] = sql.owner("SELECT * FROM workspaces WHERE id = %s", ws["id"])
    return rows
