"""Custom roles: create, read, change, delete; granting them; the guard reads them per request."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.tenancy.permissions import ROLE_PERMISSIONS
from tests.access import error_code, table_snapshot
from tests.audit.helpers import events, only
from tests.factories import Actor, Factory
from tests.roles.helpers import ACCOUNTANT, new_role, role_rows
from tests.workspaces.helpers import invitation_row, invite, member_id, role_of, tag

BUILTINS = ["owner", "admin", "member", "viewer"]


def set_role(actor: Actor, factory: Factory, ws: dict[str, Any], user: Actor, role: str) -> Any:
    return actor.patch(
        f"/api/v1/members/{member_id(factory, ws, user)}", ws=ws, json={"role": role}
    )


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


# --- create and read ----------------------------------------------------------------------


def test_admin_creates_a_role_listed_after_the_builtins(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    resp = admin.post(
        "/api/v1/roles",
        ws=ws,
        json={
            "name": "accountant",
            "description": "  Books  ",
            "permissions": ["invoices:read", "customers:read", "invoices:read"],
        },
    )
    assert resp.status_code == 201, resp.text
    role = resp.json()
    assert role["id"] is not None
    assert (role["name"], role["description"], role["builtin"]) == ("accountant", "Books", False)
    assert role["permissions"] == ["customers:read", "invoices:read"]
    assert role["member_count"] == 0

    listed = factory.member(ws, "viewer").get("/api/v1/roles", ws=ws).json()
    assert names(listed) == [*BUILTINS, "accountant"]
    assert listed["total"] == 5
    assert listed["items"][4] == role
    assert [r["name"] for r in role_rows(factory.sql, ws)] == ["accountant"]


def test_get_a_custom_role_by_id_and_by_name(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "accountant", ACCOUNTANT)
    by_id = owner.get(f"/api/v1/roles/{role['id']}", ws=ws)
    assert by_id.status_code == 200
    assert by_id.json() == role
    by_name = owner.get("/api/v1/roles/accountant", ws=ws)
    assert by_name.status_code == 200
    assert by_name.json() == role
    missing = owner.get("/api/v1/roles/nobody", ws=ws)
    assert missing.status_code == 404
    assert owner.get(f"/api/v1/roles/{uuid7()}", ws=ws).status_code == 404


def test_builtin_roles_have_no_id_and_their_fixed_permissions(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.member(ws, "viewer")
    listed = owner.get("/api/v1/roles", ws=ws).json()["items"]
    assert [r["name"] for r in listed] == BUILTINS
    for role in listed:
        assert role["id"] is None
        assert role["builtin"] is True
        assert role["permissions"] == sorted(ROLE_PERMISSIONS[role["name"]])
    assert [r["member_count"] for r in listed] == [1, 0, 0, 1]
    one = owner.get("/api/v1/roles/admin", ws=ws)
    assert one.status_code == 200
    assert one.json() == listed[1]


# --- validation ---------------------------------------------------------------------------


def test_bad_name_format_is_invalid(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/roles", ws=ws, json={"name": "Bad Name", "permissions": ["workspace:read"]}
    )
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["body.name"]
    assert role_rows(factory.sql, ws) == []


def test_builtin_name_is_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/roles", ws=ws, json={"name": "admin", "permissions": ["workspace:read"]}
    )
    assert resp.status_code == 422
    assert error_code(resp) == "builtin_role"
    assert role_rows(factory.sql, ws) == []


def test_unknown_permissions_are_listed(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/roles",
        ws=ws,
        json={"name": "odd", "permissions": ["workspace:read", "rockets:launch", "moon:land"]},
    )
    assert resp.status_code == 422
    assert error_code(resp) == "unknown_permission"
    messages = [d["message"] for d in resp.json()["error"]["details"]]
    assert messages == ["unknown: rockets:launch", "unknown: moon:land"]
    assert role_rows(factory.sql, ws) == []


def test_duplicate_name_is_a_conflict(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    first = new_role(owner, ws, "accountant")
    resp = owner.post(
        "/api/v1/roles", ws=ws, json={"name": "accountant", "permissions": ["invoices:read"]}
    )
    assert resp.status_code == 409
    assert error_code(resp) == "role_name_taken"
    rows = role_rows(factory.sql, ws)
    assert [(str(r["id"]), r["permissions"]) for r in rows] == [(first["id"], ["workspace:read"])]


def test_unknown_fields_are_invalid(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/roles",
        ws=ws,
        json={"name": "extra", "permissions": ["workspace:read"], "builtin": True},
    )
    assert resp.status_code == 422
    assert error_code(resp) == "validation_error"
    assert role_rows(factory.sql, ws) == []


# --- nobody grants what they do not hold --------------------------------------------------


def test_admin_cannot_create_a_role_with_an_owner_permission(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    resp = admin.post(
        "/api/v1/roles",
        ws=ws,
        json={"name": "exporter", "permissions": ["workspace:read", "workspace:export"]},
    )
    assert resp.status_code == 403
    assert error_code(resp) == "permission_not_held"
    messages = [d["message"] for d in resp.json()["error"]["details"]]
    assert messages == ["not held: workspace:export"]
    assert role_rows(factory.sql, ws) == []


def test_admin_cannot_edit_or_delete_a_role_above_them_but_the_owner_can(
    factory: Factory,
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    role = new_role(owner, ws, "exporter", ["workspace:read", "workspace:export"])
    before = role_rows(factory.sql, ws)

    edit = admin.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"description": "Mine"})
    assert edit.status_code == 403
    assert error_code(edit) == "permission_not_held"
    # Dropping the permission it cannot hold is changing it too.
    drop = admin.patch("/api/v1/roles/exporter", ws=ws, json={"permissions": ["workspace:read"]})
    assert drop.status_code == 403
    delete = admin.delete(f"/api/v1/roles/{role['id']}", ws=ws)
    assert delete.status_code == 403
    assert error_code(delete) == "permission_not_held"
    assert role_rows(factory.sql, ws) == before

    assert owner.delete(f"/api/v1/roles/{role['id']}", ws=ws).status_code == 204
    assert role_rows(factory.sql, ws) == []


def test_custom_role_without_members_update_cannot_change_roles(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "reader", ["workspace:read", "members:read"])
    reader = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, reader, "reader").status_code == 200
    target = factory.member(ws, "viewer")
    resp = set_role(reader, factory, ws, target, "member")
    assert resp.status_code == 403
    assert error_code(resp) == "permission_denied"
    assert role_of(factory, ws, target) == "viewer"
    # It may still read the members, as its role says.
    assert reader.get("/api/v1/members", ws=ws).status_code == 200


def test_custom_role_manager_cannot_grant_a_permission_it_lacks(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(
        owner,
        ws,
        "role-keeper",
        ["workspace:read", "roles:read", "roles:manage", "customers:read"],
    )
    keeper = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, keeper, "role-keeper").status_code == 200
    refused = keeper.post(
        "/api/v1/roles", ws=ws, json={"name": "payroll", "permissions": ["hr:salary"]}
    )
    assert refused.status_code == 403
    assert error_code(refused) == "permission_not_held"
    assert [r["name"] for r in role_rows(factory.sql, ws)] == ["role-keeper"]
    allowed = new_role(keeper, ws, "sales", ["customers:read"])
    assert allowed["permissions"] == ["customers:read"]


# --- built-in roles -----------------------------------------------------------------------


def test_builtin_roles_cannot_be_deleted_or_changed(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    delete = owner.delete("/api/v1/roles/admin", ws=ws)
    assert delete.status_code == 409
    assert error_code(delete) == "builtin_role"
    patch = owner.patch("/api/v1/roles/viewer", ws=ws, json={"description": "Changed"})
    assert patch.status_code == 409
    assert error_code(patch) == "builtin_role"
    viewer = owner.get("/api/v1/roles/viewer", ws=ws).json()
    assert viewer["description"] != "Changed"


def test_a_custom_role_cannot_be_renamed_to_a_builtin_name(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "accountant")
    resp = owner.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"name": "owner"})
    assert resp.status_code == 422
    assert error_code(resp) == "builtin_role"
    assert [r["name"] for r in role_rows(factory.sql, ws)] == ["accountant"]


# --- assigning ----------------------------------------------------------------------------


def test_a_members_custom_role_decides_what_they_may_do(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "accountant", ACCOUNTANT)
    user = factory.member(ws, "viewer")
    assigned = set_role(owner, factory, ws, user, "accountant")
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["role"] == "accountant"
    assert role_of(factory, ws, user) == "accountant"

    created = user.post("/api/v1/customers", ws=ws, json={"name": f"Customer {tag()}"})
    assert created.status_code == 201, created.text
    denied = user.get("/api/v1/departments", ws=ws)
    assert denied.status_code == 403
    assert error_code(denied) == "permission_denied"
    listed = owner.get("/api/v1/roles/accountant", ws=ws).json()
    assert listed["member_count"] == 1


def test_a_changed_role_applies_from_the_next_request(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "accountant", ACCOUNTANT)
    user = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, user, "accountant").status_code == 200
    assert user.post("/api/v1/customers", ws=ws, json={"name": "First"}).status_code == 201

    narrowed = owner.patch(
        f"/api/v1/roles/{role['id']}",
        ws=ws,
        json={"permissions": ["workspace:read", "customers:read"]},
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["permissions"] == ["customers:read", "workspace:read"]
    denied = user.post("/api/v1/customers", ws=ws, json={"name": "Second"})
    assert denied.status_code == 403
    assert error_code(denied) == "permission_denied"
    assert user.get("/api/v1/customers", ws=ws).status_code == 200


def test_renaming_a_role_renames_it_on_its_members(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "accountant", ACCOUNTANT)
    user = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, user, "accountant").status_code == 200

    def member_roles() -> dict[str, str]:
        items = owner.get("/api/v1/members", ws=ws).json()["items"]
        return {m["user_id"]: m["role"] for m in items}

    assert member_roles()[str(user.id)] == "accountant"
    renamed = owner.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"name": "bookkeeper"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["member_count"]) == ("bookkeeper", 1)
    assert member_roles()[str(user.id)] == "bookkeeper"
    assert role_of(factory, ws, user) == "bookkeeper"
    assert owner.get("/api/v1/roles/accountant", ws=ws).status_code == 404
    assert user.post("/api/v1/customers", ws=ws, json={"name": "Still"}).status_code == 201
    by_role = owner.get("/api/v1/members", ws=ws, params={"role": "bookkeeper"}).json()
    assert [m["user_id"] for m in by_role["items"]] == [str(user.id)]


def test_renaming_a_role_renames_it_on_its_invitations_in_this_workspace_only(
    factory: Factory,
) -> None:
    owner = factory.user()
    ws, other = factory.workspace(owner), factory.workspace(owner)
    role, twin = new_role(owner, ws, "auditor"), new_role(owner, other, "auditor")
    holder, other_holder = factory.member(ws, "viewer"), factory.member(other, "viewer")
    assert set_role(owner, factory, ws, holder, "auditor").status_code == 200
    assert set_role(owner, factory, other, other_holder, "auditor").status_code == 200
    invitation = invite(owner, ws, f"inv-{tag()}@example.com", "auditor")
    other_invitation = invite(owner, other, f"inv-{tag()}@example.com", "auditor")
    untouched = table_snapshot(
        factory.sql, other, ("workspace_roles", "workspace_members", "invitations")
    )

    described = owner.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"description": "Reads"})
    assert described.status_code == 200, described.text
    assert events(owner, ws, entity_id=invitation["id"], action="invitation.updated")["total"] == 0
    renamed = owner.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"name": "reviewer"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "reviewer"
    assert role_of(factory, ws, holder) == "reviewer"
    assert invitation_row(factory, ws, invitation["id"])["role"] == "reviewer"
    listed = owner.get("/api/v1/invitations", ws=ws).json()["items"]
    assert {i["id"]: i["role"] for i in listed}[invitation["id"]] == "reviewer"
    # Each holder's change is in the trail, as the one who renamed the role made it.
    changed = only(events(owner, ws, entity_id=invitation["id"], action="invitation.updated"))
    assert changed["changes"] == {"role": {"old": "auditor", "new": "reviewer"}}
    assert changed["actor_user_id"] == str(owner.id)
    held = events(owner, ws, entity_id=member_id(factory, ws, holder), action="member.updated")
    assert [e["changes"]["role"] for e in held["items"]] == [
        {"old": "auditor", "new": "reviewer"},
        {"old": "viewer", "new": "auditor"},
    ]
    assert held["items"][0]["changes"] == {"role": {"old": "auditor", "new": "reviewer"}}
    # The other workspace's role of the same name, its member and invitation are as they were.
    assert (
        table_snapshot(factory.sql, other, ("workspace_roles", "workspace_members", "invitations"))
        == untouched
    )
    assert (twin["name"], invitation_row(factory, other, other_invitation["id"])["role"]) == (
        "auditor",
        "auditor",
    )


def test_assigning_an_unknown_role_is_invalid(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    user = factory.member(ws, "viewer")
    resp = set_role(owner, factory, ws, user, "accountant")
    assert resp.status_code == 422
    assert error_code(resp) == "unknown_role"
    assert role_of(factory, ws, user) == "viewer"


def test_admin_cannot_assign_a_custom_role_above_them(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    new_role(owner, ws, "exporter", ["workspace:read", "workspace:export"])
    user = factory.member(ws, "viewer")
    resp = set_role(admin, factory, ws, user, "exporter")
    assert resp.status_code == 403
    assert error_code(resp) == "permission_not_held"
    assert role_of(factory, ws, user) == "viewer"


# --- invitations --------------------------------------------------------------------------


def test_an_invitee_accepts_a_custom_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "accountant", ACCOUNTANT)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email, "accountant")
    assert inv["role"] == "accountant"

    accepted = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "accountant"
    assert role_of(factory, ws, invitee) == "accountant"
    assert invitee.post("/api/v1/customers", ws=ws, json={"name": "Joined"}).status_code == 201
    assert invitee.get("/api/v1/departments", ws=ws).status_code == 403


def test_admin_cannot_invite_with_a_custom_role_above_them(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    new_role(owner, ws, "exporter", ["workspace:read", "workspace:export"])
    resp = admin.post(
        "/api/v1/invitations", ws=ws, json={"email": f"x-{tag()}@example.com", "role": "exporter"}
    )
    assert resp.status_code == 403
    assert error_code(resp) == "permission_not_held"
    assert owner.get("/api/v1/invitations", ws=ws).json()["total"] == 0


# --- delete -------------------------------------------------------------------------------


def test_a_role_in_use_cannot_be_deleted(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "accountant", ACCOUNTANT)
    user = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, user, "accountant").status_code == 200
    held = owner.delete(f"/api/v1/roles/{role['id']}", ws=ws)
    assert held.status_code == 409
    assert error_code(held) == "role_in_use"

    inv = invite(owner, ws, f"later-{tag()}@example.com", "accountant")
    assert set_role(owner, factory, ws, user, "member").status_code == 200
    offered = owner.delete("/api/v1/roles/accountant", ws=ws)
    assert offered.status_code == 409
    assert error_code(offered) == "role_in_use"
    assert [r["name"] for r in role_rows(factory.sql, ws)] == ["accountant"]

    canceled = owner.post(f"/api/v1/invitations/{inv['id']}/cancel", ws=ws)
    assert canceled.status_code == 200, canceled.text
    assert owner.delete(f"/api/v1/roles/{role['id']}", ws=ws).status_code == 204
    gone = owner.get(f"/api/v1/roles/{role['id']}", ws=ws)
    assert gone.status_code == 404
    assert role_rows(factory.sql, ws) == []
    assert role_of(factory, ws, user) == "member"


def test_delete_of_an_unused_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    new_role(owner, ws, "keep")
    new_role(owner, ws, "drop")
    resp = admin.delete("/api/v1/roles/drop", ws=ws)
    assert resp.status_code == 204
    assert [r["name"] for r in role_rows(factory.sql, ws)] == ["keep"]
    assert admin.delete("/api/v1/roles/drop", ws=ws).status_code == 404


# --- the database's own rules -------------------------------------------------------------


def test_a_member_with_an_unknown_role_is_refused_by_the_database(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    user = factory.user()
    with pytest.raises(psycopg.errors.CheckViolation):
        factory.sql.owner(
            "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
            " VALUES (%s, %s, %s, 'ghost', NULL)",
            ws["id"],
            uuid7(),
            user.id,
            workspace=ws["id"],
        )
    assert role_of(factory, ws, user) is None


def test_a_member_cannot_hold_another_workspaces_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(owner)
    foreign = new_role(owner, other, "accountant")
    mine = new_role(owner, ws, "accountant")
    user = factory.user()
    insert = (
        "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
        " VALUES (%s, %s, %s, 'accountant', %s)"
    )
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        factory.sql.owner(insert, ws["id"], uuid7(), user.id, foreign["id"], workspace=ws["id"])
    assert role_of(factory, ws, user) is None
    factory.sql.owner(insert, ws["id"], uuid7(), user.id, mine["id"], workspace=ws["id"])
    assert role_of(factory, ws, user) == "accountant"


def test_a_held_role_renamed_without_its_holders_is_refused_by_the_database(
    factory: Factory,
) -> None:
    """The key (workspace_id, custom_role_id, role) does not follow a rename by itself."""
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, "auditor")
    holder = factory.member(ws, "viewer")
    assert set_role(owner, factory, ws, holder, "auditor").status_code == 200
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        factory.sql.owner(
            "UPDATE workspace_roles SET name = 'renamed' WHERE workspace_id = %s AND id = %s",
            ws["id"],
            role["id"],
            workspace=ws["id"],
        )
    assert (role_rows(factory.sql, ws)[0]["name"], role_of(factory, ws, holder)) == (
        "auditor",
        "auditor",
    )


# --- list filters -------------------------------------------------------------------------


def test_list_searches_name_and_description(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "accountant", description="Books")
    new_role(owner, ws, "sales", description="Talks to Customer ACCOUNTS")
    new_role(owner, ws, "support", description="Answers tickets")
    found = owner.get("/api/v1/roles", ws=ws, params={"q": "Account"}).json()
    assert names(found) == ["accountant", "sales"]
    assert found["total"] == 2
    builtin = owner.get("/api/v1/roles", ws=ws, params={"q": "READS EVERYTHING"}).json()
    assert names(builtin) == ["member", "viewer"]


def test_list_sorts_by_member_count(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "busy")
    new_role(owner, ws, "idle")
    for _ in range(3):
        factory.member(ws, "viewer")
    for _ in range(2):
        set_role(owner, factory, ws, factory.member(ws, "viewer"), "busy")
    items = owner.get("/api/v1/roles", ws=ws, params={"sort": "-member_count"}).json()["items"]
    assert [(r["name"], r["member_count"]) for r in items[:3]] == [
        ("viewer", 3),
        ("busy", 2),
        ("owner", 1),
    ]
    assert {r["name"] for r in items[3:]} == {"admin", "member", "idle"}
    assert all(r["member_count"] == 0 for r in items[3:])
    ascending = owner.get("/api/v1/roles", ws=ws, params={"sort": "member_count"}).json()
    assert names(ascending)[-3:] == ["owner", "busy", "viewer"]


def test_list_pages_with_a_total(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "beta")
    new_role(owner, ws, "alpha")
    page = owner.get("/api/v1/roles", ws=ws, params={"limit": 2, "offset": 3}).json()
    assert names(page) == ["viewer", "alpha"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 3)
    last = owner.get("/api/v1/roles", ws=ws, params={"limit": 2, "offset": 5}).json()
    assert (names(last), last["total"]) == (["beta"], 6)


def test_list_refuses_an_unknown_sort(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.get("/api/v1/roles", ws=ws, params={"sort": "permissions"})
    assert resp.status_code == 422
    error = resp.json()["error"]
    # The message of every list's sort.
    assert error["code"] == "validation_error"
    assert error["message"] == "Cannot sort by 'permissions'. Sort by one of: member_count, name."
    assert error["details"] == [{"field": "sort", "message": "unknown sort key 'permissions'"}]


def test_list_sorts_by_several_keys_ties_by_name(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for name in ("zeta", "alpha", "a-b", "ab"):
        new_role(owner, ws, name)
    by_count = owner.get("/api/v1/roles", ws=ws, params={"sort": "-member_count"}).json()
    # owner holds one; every other role none, in name order (code points: '-' before 'b').
    assert names(by_count) == ["owner", "a-b", "ab", "admin", "alpha", "member", "viewer", "zeta"]
    both = owner.get("/api/v1/roles", ws=ws, params={"sort": "member_count,-name"}).json()
    assert names(both) == ["zeta", "viewer", "member", "alpha", "admin", "ab", "a-b", "owner"]
    default = owner.get("/api/v1/roles", ws=ws, params={"sort": ""}).json()
    assert names(default) == ["owner", "admin", "member", "viewer", "a-b", "ab", "alpha", "zeta"]


def test_list_pages_at_the_limits(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "custom")
    full = owner.get("/api/v1/roles", ws=ws, params={"limit": 200}).json()
    assert (len(full["items"]), full["total"], full["limit"]) == (5, 5, 200)
    too_many = owner.get("/api/v1/roles", ws=ws, params={"limit": 201})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "validation_error"
    assert [d["field"] for d in too_many.json()["error"]["details"]] == ["query.limit"]
    past = owner.get("/api/v1/roles", ws=ws, params={"limit": 2, "offset": 7}).json()
    assert (past["items"], past["total"], past["offset"]) == ([], 5, 7)
    searched_past = owner.get("/api/v1/roles", ws=ws, params={"q": "reads", "offset": 2}).json()
    assert (searched_past["items"], searched_past["total"]) == ([], 2)


def test_list_search_matches_literally(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_role(owner, ws, "discount", description="Gives 100% off")
    new_role(owner, ws, "plain", description="Gives 1000 off")
    assert names(owner.get("/api/v1/roles", ws=ws, params={"q": "100%"}).json()) == ["discount"]


def legacy_role(factory: Factory, ws: dict[str, Any]) -> None:
    """A role stored with a permission the catalogue no longer has (`fax:send`)."""
    factory.sql.owner(
        "INSERT INTO workspace_roles (workspace_id, id, name, permissions)"
        " VALUES (%s, %s, 'legacy', ARRAY['workspace:read', 'fax:send'])",
        ws["id"],
        uuid7(),
        workspace=ws["id"],
    )


def test_a_retired_permission_does_not_block_editing_a_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    legacy_role(factory, ws)
    resp = owner.patch("/api/v1/roles/legacy", ws=ws, json={"description": "Old"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["description"] == "Old"


def test_a_retired_permission_does_not_block_deleting_a_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    legacy_role(factory, ws)
    resp = owner.delete("/api/v1/roles/legacy", ws=ws)
    assert resp.status_code == 204, resp.text
    assert role_rows(factory.sql, ws) == []
