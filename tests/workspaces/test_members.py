"""Members: list, change role, remove, leave, transfer ownership, and the owner rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.audit.helpers import events, only
from tests.factories import Actor, Factory
from tests.hr.helpers import new_employee
from tests.projects.helpers import new_project, new_task
from tests.workspaces.helpers import error_code, member_id, role_of, tag

# --- list ---------------------------------------------------------------------------------


def test_list_members_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(factory.user())
    outsider = factory.member(other, "member")
    assert (
        client.get("/api/v1/members", headers={"X-Workspace-Id": str(ws["id"])}).status_code == 401
    )
    stranger = factory.user()
    resp = stranger.get("/api/v1/members", ws=ws)
    assert resp.status_code == 404
    assert error_code(resp) == "workspace_not_found"
    assert stranger.get("/api/v1/members", ws=ws["slug"]).status_code == 404
    # Only this workspace's members, never another's (every role may read members).
    listed = owner.get("/api/v1/members", ws=ws).json()
    assert [m["user_id"] for m in listed["items"]] == [str(owner.id)]
    assert str(outsider.id) not in {m["user_id"] for m in listed["items"]}


def test_list_members_fields_filter_search_and_sort(factory: Factory) -> None:
    t = tag()
    owner = factory.user(name=f"Zoe Owner {t}")
    ws = factory.workspace(owner)
    ada = factory.user(name=f"Ada Admin {t}", email=f"ada-{t}@example.com")
    factory.add_member(ws, ada, "admin")
    bob = factory.user(name=f"Bob Viewer {t}", email=f"bob-{t}@Sample.org")
    factory.add_member(ws, bob, "viewer")
    viewer = factory.member(ws, "viewer")

    resp = viewer.get("/api/v1/members", ws=ws, params={"sort": "name"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 4
    first = body["items"][0]
    assert set(first) == {"id", "user_id", "email", "name", "role", "created_at"}
    assert (first["name"], first["email"], first["role"]) == (ada.name, ada.email, "admin")
    assert first["id"] == member_id(factory, ws, ada)

    by_role = viewer.get("/api/v1/members", ws=ws, params={"role": "viewer", "sort": "email"})
    # bob-…@sample.org sorts before the factory's user-…@example.com
    assert [m["user_id"] for m in by_role.json()["items"]] == [str(bob.id), str(viewer.id)]
    assert by_role.json()["total"] == 2

    by_email = viewer.get("/api/v1/members", ws=ws, params={"q": "SAMPLE.ORG"}).json()
    assert [m["user_id"] for m in by_email["items"]] == [str(bob.id)]
    by_name = viewer.get("/api/v1/members", ws=ws, params={"q": "zoe owner"}).json()
    assert [m["user_id"] for m in by_name["items"]] == [str(owner.id)]

    ranked = viewer.get("/api/v1/members", ws=ws, params={"sort": "role,name"}).json()
    assert [m["role"] for m in ranked["items"]] == ["owner", "admin", "viewer", "viewer"]
    newest = viewer.get("/api/v1/members", ws=ws, params={"sort": "-created_at"}).json()
    assert newest["items"][0]["user_id"] == str(viewer.id)

    bad_sort = viewer.get("/api/v1/members", ws=ws, params={"sort": "password_hash"})
    assert bad_sort.status_code == 422
    assert bad_sort.json()["error"]["details"][0]["field"] == "sort"
    bad_role = viewer.get("/api/v1/members", ws=ws, params={"role": "emperor"})
    assert bad_role.status_code == 422
    assert bad_role.json()["error"]["code"] == "unknown_role"


def test_list_members_search_treats_wildcards_literally(factory: Factory) -> None:
    t = tag()
    owner = factory.user(name=f"Owner {t}")
    ws = factory.workspace(owner)
    percent = factory.user(name=f"Full 100% {t}")
    factory.add_member(ws, percent, "member")
    plain = factory.user(name=f"Full 1000 {t}")
    factory.add_member(ws, plain, "member")
    underscore = factory.user(name=f"Snake_case {t}")
    factory.add_member(ws, underscore, "member")
    factory.add_member(ws, factory.user(name=f"Snakexcase {t}"), "member")

    found = owner.get("/api/v1/members", ws=ws, params={"q": "100%"}).json()
    assert [m["user_id"] for m in found["items"]] == [str(percent.id)]
    found = owner.get("/api/v1/members", ws=ws, params={"q": "e_c"}).json()
    assert [m["user_id"] for m in found["items"]] == [str(underscore.id)]


# --- change role --------------------------------------------------------------------------


def test_change_role_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    target = factory.member(ws, "member")
    target_id = member_id(factory, ws, target)
    other = factory.workspace(factory.user())
    foreigner = factory.member(other, "member")
    foreign_id = member_id(factory, other, foreigner)

    body = {"role": "viewer"}
    assert client.patch(f"/api/v1/members/{target_id}", json=body).status_code == 401
    assert factory.user().patch(f"/api/v1/members/{target_id}", ws=ws, json=body).status_code == 404
    foreign = owner.patch(f"/api/v1/members/{foreign_id}", ws=ws, json=body)
    assert foreign.status_code == 404
    assert error_code(foreign) == "member_not_found"
    assert role_of(factory, other, foreigner) == "member"
    peer = factory.member(ws, "member")
    denied = peer.patch(f"/api/v1/members/{target_id}", ws=ws, json=body)
    assert denied.status_code == 403
    assert error_code(denied) == "permission_denied"
    assert owner.patch(f"/api/v1/members/{uuid7()}", ws=ws, json=body).status_code == 404
    assert role_of(factory, ws, target) == "member"


def test_admin_changes_roles_below_owner(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    target = factory.member(ws, "member")
    resp = admin.patch(
        f"/api/v1/members/{member_id(factory, ws, target)}", ws=ws, json={"role": "viewer"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["role"] == "viewer"
    assert resp.json()["user_id"] == str(target.id)
    assert role_of(factory, ws, target) == "viewer"
    # The target's very next request runs with the new role.
    denied = target.post("/api/v1/invitations", ws=ws, json={"email": "x@example.com"})
    assert denied.status_code == 403

    promoted = admin.patch(
        f"/api/v1/members/{member_id(factory, ws, target)}", ws=ws, json={"role": "admin"}
    )
    assert promoted.json()["role"] == "admin"


def test_only_owners_grant_or_revoke_owner(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    target = factory.member(ws, "member")
    grant = admin.patch(
        f"/api/v1/members/{member_id(factory, ws, target)}", ws=ws, json={"role": "owner"}
    )
    assert grant.status_code == 403
    assert error_code(grant) == "owner_required"
    revoke = admin.patch(
        f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws, json={"role": "admin"}
    )
    assert revoke.status_code == 403
    assert error_code(revoke) == "owner_required"
    assert role_of(factory, ws, owner) == "owner"
    assert role_of(factory, ws, target) == "member"

    granted = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, target)}", ws=ws, json={"role": "owner"}
    )
    assert granted.status_code == 200
    assert role_of(factory, ws, target) == "owner"
    # With two owners, one may be demoted.
    demoted = target.patch(
        f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws, json={"role": "viewer"}
    )
    assert demoted.status_code == 200
    assert role_of(factory, ws, owner) == "viewer"


def test_last_owner_cannot_be_demoted(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws, json={"role": "admin"}
    )
    assert resp.status_code == 409
    assert error_code(resp) == "last_owner"
    assert role_of(factory, ws, owner) == "owner"
    same = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws, json={"role": "owner"}
    )
    assert same.status_code == 200


def test_change_role_validates_the_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    target = factory.member(ws, "member")
    url = f"/api/v1/members/{member_id(factory, ws, target)}"
    resp = owner.patch(url, ws=ws, json={"role": "God!"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.role"
    unknown = owner.patch(url, ws=ws, json={"role": "god"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_role"
    assert unknown.json()["error"]["details"] == [
        {"field": "role", "message": "unknown role 'god'"}
    ]
    bad_id = owner.patch("/api/v1/members/not-a-uuid", ws=ws, json={"role": "viewer"})
    assert bad_id.status_code == 422
    assert bad_id.json()["error"]["details"][0]["field"] == "path.member_id"


# --- remove -------------------------------------------------------------------------------


def test_remove_member_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    target = factory.member(ws, "viewer")
    target_id = member_id(factory, ws, target)
    other = factory.workspace(factory.user())
    foreigner = factory.member(other, "member")

    assert client.delete(f"/api/v1/members/{target_id}").status_code == 401
    assert factory.user().delete(f"/api/v1/members/{target_id}", ws=ws).status_code == 404
    foreign = owner.delete(f"/api/v1/members/{member_id(factory, other, foreigner)}", ws=ws)
    assert foreign.status_code == 404
    assert role_of(factory, other, foreigner) == "member"
    peer = factory.member(ws, "member")
    assert peer.delete(f"/api/v1/members/{target_id}", ws=ws).status_code == 403
    assert role_of(factory, ws, target) == "viewer"


def test_admin_removes_a_member_who_is_refused_at_once(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    target = factory.member(ws, "member")
    assert target.get("/api/v1/members", ws=ws).status_code == 200
    assert (
        target.post("/api/v1/workspaces/active", json={"workspace": ws["slug"]}).status_code == 200
    )

    resp = admin.delete(f"/api/v1/members/{member_id(factory, ws, target)}", ws=ws)
    assert resp.status_code == 204
    assert role_of(factory, ws, target) is None
    # The very next request is refused, by header and by the session's active workspace.
    by_header = target.get("/api/v1/members", ws=ws)
    assert by_header.status_code == 404
    assert error_code(by_header) == "workspace_not_found"
    assert target.get("/api/v1/members").status_code == 404
    assert target.get(f"/api/v1/workspaces/{ws['id']}").status_code == 404
    listed = owner.get("/api/v1/members", ws=ws).json()
    assert str(target.id) not in {m["user_id"] for m in listed["items"]}


def test_owner_rules_on_removal(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    by_admin = admin.delete(f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws)
    assert by_admin.status_code == 403
    assert error_code(by_admin) == "owner_required"
    last = owner.delete(f"/api/v1/members/{member_id(factory, ws, owner)}", ws=ws)
    assert last.status_code == 409
    assert error_code(last) == "last_owner"
    assert role_of(factory, ws, owner) == "owner"

    second = factory.member(ws, "owner")
    assert (
        owner.delete(f"/api/v1/members/{member_id(factory, ws, second)}", ws=ws).status_code == 204
    )
    assert role_of(factory, ws, second) is None


def _assigned_and_linked(
    owner: Actor, ws: dict[str, Any], user: Actor
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A task of `ws` assigned to `user`, and the employee record linked to them."""
    task = new_task(owner, ws, new_project(owner, ws), assignee_user_id=str(user.id))
    return task, new_employee(owner, ws, user_id=str(user.id))


@pytest.mark.parametrize("how", ["removed", "leaves"])
def test_a_member_who_goes_lets_go_of_their_tasks_and_employee_record(
    factory: Factory, how: str
) -> None:
    owner = factory.user()
    ws, other = factory.workspace(owner), factory.workspace(owner)
    goer = factory.member(ws, "member")
    factory.add_member(other, goer, "member")
    task, employee = _assigned_and_linked(owner, ws, goer)
    _assigned_and_linked(owner, other, goer)
    untouched = table_snapshot(factory.sql, other, ("tasks", "employees", "workspace_members"))

    resp = (
        owner.delete(f"/api/v1/members/{member_id(factory, ws, goer)}", ws=ws)
        if how == "removed"
        else goer.post("/api/v1/members/leave", ws=ws)
    )
    assert resp.status_code == 204, resp.text
    assert role_of(factory, ws, goer) is None
    assert owner.get(f"/api/v1/tasks/{task['id']}", ws=ws).json()["assignee_user_id"] is None
    assert owner.get(f"/api/v1/employees/{employee['id']}", ws=ws).json()["user_id"] is None
    # The trail records both changes, made by whoever made the member go.
    actor = owner if how == "removed" else goer
    unassigned = only(events(owner, ws, entity_id=task["id"], action="task.updated"))
    assert unassigned["changes"] == {"assignee_user_id": {"old": str(goer.id), "new": None}}
    assert unassigned["actor_user_id"] == str(actor.id)
    unlinked = only(events(owner, ws, entity_id=employee["id"], action="employee.updated"))
    assert unlinked["changes"] == {"user_id": {"old": str(goer.id), "new": None}}
    # The same user's tasks and record in another workspace keep them.
    assert table_snapshot(factory.sql, other, ("tasks", "employees", "workspace_members")) == (
        untouched
    )


# --- leave --------------------------------------------------------------------------------


def test_leave_guards(client: httpx.Client, factory: Factory) -> None:
    ws = factory.workspace(factory.user())
    assert (
        client.post("/api/v1/members/leave", headers={"X-Workspace-Id": str(ws["id"])}).status_code
        == 401
    )
    assert factory.user().post("/api/v1/members/leave", ws=ws).status_code == 404


def test_member_leaves(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    viewer = factory.member(ws, "viewer")
    other = factory.workspace(factory.user())
    factory.add_member(other, viewer, "member")
    assert viewer.post("/api/v1/members/leave", ws=ws).status_code == 204
    assert role_of(factory, ws, viewer) is None
    assert role_of(factory, other, viewer) == "member"
    assert viewer.get("/api/v1/members", ws=ws).status_code == 404


def test_last_owner_cannot_leave_but_one_of_two_can(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post("/api/v1/members/leave", ws=ws)
    assert resp.status_code == 409
    assert error_code(resp) == "last_owner"
    co_owner = factory.member(ws, "owner")
    assert owner.post("/api/v1/members/leave", ws=ws).status_code == 204
    assert role_of(factory, ws, owner) is None
    assert role_of(factory, ws, co_owner) == "owner"


# --- transfer ownership -------------------------------------------------------------------


def test_transfer_ownership_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    target = factory.member(ws, "member")
    target_id = member_id(factory, ws, target)
    other = factory.workspace(factory.user())
    foreigner = factory.member(other, "member")
    body = {"member_id": target_id}

    assert client.post("/api/v1/members/transfer-ownership", json=body).status_code == 401
    stranger = factory.user()
    assert stranger.post("/api/v1/members/transfer-ownership", ws=ws, json=body).status_code == 404
    foreign = owner.post(
        "/api/v1/members/transfer-ownership",
        ws=ws,
        json={"member_id": member_id(factory, other, foreigner)},
    )
    assert foreign.status_code == 404
    assert role_of(factory, other, foreigner) == "member"
    admin = factory.member(ws, "admin")
    denied = admin.post("/api/v1/members/transfer-ownership", ws=ws, json=body)
    assert denied.status_code == 403
    assert error_code(denied) == "owner_required"
    assert role_of(factory, ws, target) == "member"
    assert role_of(factory, ws, owner) == "owner"


def test_transfer_ownership(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    target = factory.member(ws, "viewer")
    resp = owner.post(
        "/api/v1/members/transfer-ownership",
        ws=ws,
        json={"member_id": member_id(factory, ws, target)},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["user_id"] == str(target.id)
    assert resp.json()["role"] == "owner"
    assert role_of(factory, ws, target) == "owner"
    assert role_of(factory, ws, owner) == "admin"
    # The former owner is an admin on the next request: no longer allowed to delete.
    denied = owner.delete(f"/api/v1/workspaces/{ws['id']}", params={"confirm": ws["slug"]})
    assert denied.status_code == 403


def test_transfer_ownership_to_oneself_is_invalid(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/members/transfer-ownership",
        ws=ws,
        json={"member_id": member_id(factory, ws, owner)},
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "member_id"
    assert role_of(factory, ws, owner) == "owner"
