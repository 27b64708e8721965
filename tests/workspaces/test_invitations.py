"""Invitations: invite, list, resend, cancel; the invitee lists, accepts and rejects."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from atlas.config import Settings
from atlas.db.ids import uuid7
from tests.factories import Actor, Factory
from tests.roles.helpers import new_role
from tests.workspaces.helpers import error_code, invitation_row, invite, role_of, tag


def expire(factory: Factory, ws: dict[str, object], invitation_id: str) -> None:
    factory.sql.owner(
        "UPDATE invitations SET expires_at = now() - interval '1 hour'"
        " WHERE workspace_id = %s AND id = %s",
        ws["id"],
        invitation_id,
        workspace=ws["id"],
    )


def outbox(factory: Factory, ws: dict[str, object]) -> list[dict[str, object]]:
    return factory.sql.owner(
        "SELECT * FROM outbox_messages WHERE workspace_id = %s ORDER BY created_at, id", ws["id"]
    )


# --- invite -------------------------------------------------------------------------------


def test_invite_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    body = {"email": f"guest-{tag()}@example.com", "role": "member"}
    headers = {"X-Workspace-Id": str(ws["id"])}
    assert client.post("/api/v1/invitations", headers=headers, json=body).status_code == 401
    assert factory.user().post("/api/v1/invitations", ws=ws, json=body).status_code == 404
    member = factory.member(ws, "member")
    denied = member.post("/api/v1/invitations", ws=ws, json=body)
    assert denied.status_code == 403
    assert error_code(denied) == "permission_denied"
    assert owner.get("/api/v1/invitations", ws=ws).json()["total"] == 0


def test_invite_creates_a_pending_invitation_and_an_email(
    factory: Factory, database: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="atlas.outbox")
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"Guest-{tag()}@Example.com"
    resp = owner.post("/api/v1/invitations", ws=ws, json={"email": email, "role": "admin"})
    assert resp.status_code == 201, resp.text
    inv = resp.json()
    assert inv["email"] == email.lower()
    assert (inv["role"], inv["status"]) == ("admin", "pending")
    assert inv["workspace_id"] == str(ws["id"])
    assert inv["inviter_user_id"] == str(owner.id)
    expires = datetime.fromisoformat(inv["expires_at"])
    expected = datetime.now(UTC) + timedelta(hours=database.invitation_ttl_hours)
    assert abs(expires - expected) < timedelta(minutes=5)

    messages = outbox(factory, ws)
    assert len(messages) == 1
    assert messages[0]["to_email"] == email.lower()
    assert ws["name"] in str(messages[0]["subject"])
    link = f"{database.public_url}/invitations/accept?token="
    assert link in str(messages[0]["body"])
    assert messages[0]["sent_at"] is None
    # The link's token is a secret: the log names the message, never the link.
    logged = [r.getMessage() for r in caplog.records if r.name == "atlas.outbox"]
    assert any(str(messages[0]["id"]) in line for line in logged)
    assert not any("token=" in line for line in logged)


def test_invite_role_is_capped_by_the_inviters_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    above = admin.post(
        "/api/v1/invitations", ws=ws, json={"email": f"boss-{tag()}@example.com", "role": "owner"}
    )
    assert above.status_code == 403
    assert error_code(above) == "permission_not_held"
    same = invite(admin, ws, f"peer-{tag()}@example.com", "admin")
    assert same["role"] == "admin"
    top = invite(owner, ws, f"co-owner-{tag()}@example.com", "owner")
    assert top["role"] == "owner"


def test_inviting_a_member_is_a_conflict(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    resp = owner.post("/api/v1/invitations", ws=ws, json={"email": member.email.upper()})
    assert resp.status_code == 409
    assert error_code(resp) == "already_member"
    assert outbox(factory, ws) == []


def test_invite_validates_email_and_role(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post("/api/v1/invitations", ws=ws, json={"email": "nope", "role": "King!"})
    assert resp.status_code == 422
    fields = sorted(d["field"] for d in resp.json()["error"]["details"])
    assert fields == ["body.email", "body.role"]
    unknown = owner.post(
        "/api/v1/invitations", ws=ws, json={"email": "a@b.example", "role": "king"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_role"


def test_reinviting_cancels_the_older_pending_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"twice-{tag()}@example.com"
    first = invite(owner, ws, email, "viewer")
    second = invite(owner, ws, email.upper(), "member")
    assert second["id"] != first["id"]
    assert invitation_row(factory, ws, first["id"])["status"] == "canceled"
    assert invitation_row(factory, ws, second["id"])["status"] == "pending"
    listed = owner.get("/api/v1/invitations", ws=ws).json()
    assert [(i["id"], i["status"]) for i in listed["items"]] == [
        (second["id"], "pending"),
        (first["id"], "canceled"),
    ]
    assert len(outbox(factory, ws)) == 2


# --- list ---------------------------------------------------------------------------------


def test_list_invitations_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    invite(other_owner, other, f"elsewhere-{tag()}@example.com")
    mine = invite(owner, ws, f"here-{tag()}@example.com")
    assert (
        client.get("/api/v1/invitations", headers={"X-Workspace-Id": str(ws["id"])}).status_code
        == 401
    )
    assert factory.user().get("/api/v1/invitations", ws=ws).status_code == 404
    # Every role may read invitations; only this workspace's are listed.
    viewer = factory.member(ws, "viewer")
    listed = viewer.get("/api/v1/invitations", ws=ws).json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]


def test_list_invitations_filters_by_status_and_reports_expired(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    pending = invite(owner, ws, f"pending-{tag()}@example.com")
    expired = invite(owner, ws, f"expired-{tag()}@example.com")
    canceled = invite(owner, ws, f"canceled-{tag()}@example.com")
    owner.post(f"/api/v1/invitations/{canceled['id']}/cancel", ws=ws)
    expire(factory, ws, expired["id"])

    def ids(status: str) -> list[str]:
        resp = owner.get("/api/v1/invitations", ws=ws, params={"status": status})
        assert resp.status_code == 200
        return [i["id"] for i in resp.json()["items"]]

    assert ids("pending") == [pending["id"]]
    assert ids("expired") == [expired["id"]]
    assert ids("canceled") == [canceled["id"]]
    assert ids("accepted") == []
    everything = owner.get("/api/v1/invitations", ws=ws, params={"sort": "email"}).json()
    assert [i["status"] for i in everything["items"]] == ["canceled", "expired", "pending"]
    found = owner.get("/api/v1/invitations", ws=ws, params={"q": "EXPIRED-"}).json()
    assert [i["id"] for i in found["items"]] == [expired["id"]]
    bad = owner.get("/api/v1/invitations", ws=ws, params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.status"


# --- resend -------------------------------------------------------------------------------


def test_resend_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"resend-{tag()}@example.com")
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    foreign = invite(other_owner, other, f"foreign-{tag()}@example.com")
    path = f"/api/v1/invitations/{inv['id']}/resend"

    assert client.post(path).status_code == 401
    assert factory.user().post(path, ws=ws).status_code == 404
    resp = owner.post(f"/api/v1/invitations/{foreign['id']}/resend", ws=ws)
    assert resp.status_code == 404
    assert error_code(resp) == "invitation_not_found"
    assert len(outbox(factory, other)) == 1
    assert factory.member(ws, "member").post(path, ws=ws).status_code == 403
    assert len(outbox(factory, ws)) == 1


def test_resend_renews_an_expired_invitation_and_sends_again(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    expire(factory, ws, inv["id"])
    resp = owner.post(f"/api/v1/invitations/{inv['id']}/resend", ws=ws)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "pending"
    assert datetime.fromisoformat(resp.json()["expires_at"]) > datetime.now(UTC)
    assert len(outbox(factory, ws)) == 2
    accepted = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert accepted.status_code == 200


def test_resend_refuses_answered_invitations(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"gone-{tag()}@example.com")
    owner.post(f"/api/v1/invitations/{inv['id']}/cancel", ws=ws)
    resp = owner.post(f"/api/v1/invitations/{inv['id']}/resend", ws=ws)
    assert resp.status_code == 409
    assert error_code(resp) == "invitation_not_pending"


def test_admin_cannot_resend_an_owner_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"future-owner-{tag()}@example.com", "owner")
    admin = factory.member(ws, "admin")
    resp = admin.post(f"/api/v1/invitations/{inv['id']}/resend", ws=ws)
    assert resp.status_code == 403
    assert error_code(resp) == "permission_not_held"


# --- cancel -------------------------------------------------------------------------------


def test_cancel_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"cancel-{tag()}@example.com")
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    # Addressed to `owner`, so RLS shows it to them; the repository's workspace filter does not.
    foreign = invite(other_owner, other, owner.email)
    path = f"/api/v1/invitations/{inv['id']}/cancel"

    assert client.post(path).status_code == 401
    assert factory.user().post(path, ws=ws).status_code == 404
    resp = owner.post(f"/api/v1/invitations/{foreign['id']}/cancel", ws=ws)
    assert resp.status_code == 404
    assert invitation_row(factory, other, foreign["id"])["status"] == "pending"
    assert factory.member(ws, "member").post(path, ws=ws).status_code == 403
    assert invitation_row(factory, ws, inv["id"])["status"] == "pending"


def test_cancel_a_pending_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    admin = factory.member(ws, "admin")
    resp = admin.post(f"/api/v1/invitations/{inv['id']}/cancel", ws=ws)
    assert resp.status_code == 200
    assert resp.json()["status"] == "canceled"
    again = admin.post(f"/api/v1/invitations/{inv['id']}/cancel", ws=ws)
    assert again.status_code == 409
    assert invitee.get("/api/v1/me/invitations").json()["items"] == []
    late = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert late.status_code == 409
    assert error_code(late) == "invitation_not_pending"
    assert role_of(factory, ws, invitee) is None


def test_an_expired_invitation_can_be_canceled(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"old-{tag()}@example.com")
    expire(factory, ws, inv["id"])
    admin = factory.member(ws, "admin")
    resp = admin.post(f"/api/v1/invitations/{inv['id']}/cancel", ws=ws)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "canceled"
    assert invitation_row(factory, ws, inv["id"])["status"] == "canceled"
    resent = owner.post(f"/api/v1/invitations/{inv['id']}/resend", ws=ws)
    assert resent.status_code == 409
    assert error_code(resent) == "invitation_not_pending"


# --- nobody acts on an invitation above their rank ------------------------------------------


def _above_an_admin(owner: Actor, ws: dict[str, Any], kind: str) -> str:
    """A role an admin cannot grant: `owner`, or a custom role with an owner's permission."""
    if kind == "owner":
        return "owner"
    role: dict[str, Any] = new_role(owner, ws, permissions=["workspace:read", "workspace:export"])
    return str(role["name"])


@pytest.mark.parametrize("kind", ["owner", "custom"])
@pytest.mark.parametrize("action", ["cancel", "resend", "supersede"])
def test_an_admin_cannot_touch_an_invitation_above_their_rank(
    factory: Factory, action: str, kind: str
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = _above_an_admin(owner, ws, kind)
    email = f"above-{tag()}@example.com"
    inv = invite(owner, ws, email, role)
    admin = factory.member(ws, "admin")
    if action == "supersede":
        resp = admin.post("/api/v1/invitations", ws=ws, json={"email": email, "role": "viewer"})
    else:
        resp = admin.post(f"/api/v1/invitations/{inv['id']}/{action}", ws=ws)
    assert resp.status_code == 403, resp.text
    assert error_code(resp) == "permission_not_held"
    missing = {d["message"] for d in resp.json()["error"]["details"]}
    assert "not held: workspace:export" in missing
    rows = factory.sql.owner(
        "SELECT id, role, status FROM invitations WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )
    assert rows == [{"id": uuid.UUID(inv["id"]), "role": role, "status": "pending"}]
    assert len(outbox(factory, ws)) == 1


def test_an_admin_supersedes_an_invitation_within_their_rank(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"within-{tag()}@example.com"
    first = invite(owner, ws, email, "admin")
    admin = factory.member(ws, "admin")
    second = invite(admin, ws, email, "viewer")
    assert invitation_row(factory, ws, first["id"])["status"] == "canceled"
    assert invitation_row(factory, ws, second["id"])["status"] == "pending"


# --- the invitee's side -------------------------------------------------------------------


def test_invitation_flow_end_to_end(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email.upper(), "admin")

    mine = invitee.get("/api/v1/me/invitations")
    assert mine.status_code == 200
    assert mine.json()["total"] == 1
    received = mine.json()["items"][0]
    assert received["id"] == inv["id"]
    assert (received["workspace_id"], received["workspace_name"]) == (str(ws["id"]), ws["name"])
    assert (received["role"], received["inviter_name"]) == ("admin", owner.name)
    assert invitee.get("/api/v1/members", ws=ws).status_code == 404

    accepted = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["role"]) == (str(ws["id"]), "admin")

    session = invitee.get("/api/v1/auth/session").json()
    assert session["active_workspace"] == {
        "id": str(ws["id"]),
        "slug": ws["slug"],
        "name": ws["name"],
        "role": "admin",
    }
    # The active workspace serves tenant routes without a header.
    members = invitee.get("/api/v1/members").json()
    assert {(m["user_id"], m["role"]) for m in members["items"]} == {
        (str(owner.id), "owner"),
        (str(invitee.id), "admin"),
    }
    assert owner.get("/api/v1/invitations", ws=ws).json()["items"][0]["status"] == "accepted"
    assert invitee.get("/api/v1/me/invitations").json()["items"] == []
    twice = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert twice.status_code == 409


def test_me_invitations_lists_only_open_ones_for_my_email(factory: Factory) -> None:
    invitee = factory.user()
    first_owner, second_owner = factory.user(), factory.user()
    first = factory.workspace(first_owner)
    second = factory.workspace(second_owner)
    older = invite(first_owner, first, invitee.email)
    newer = invite(second_owner, second, invitee.email, "viewer")
    stale = invite(first_owner, factory.workspace(first_owner), invitee.email)
    expire(factory, {"id": stale["workspace_id"]}, stale["id"])
    invite(first_owner, first, f"someone-else-{tag()}@example.com")

    listed = invitee.get("/api/v1/me/invitations").json()
    assert [i["id"] for i in listed["items"]] == [newer["id"], older["id"]]
    assert listed["total"] == 2
    assert factory.user().get("/api/v1/me/invitations").json()["items"] == []


def test_me_invitations_needs_sign_in(client: httpx.Client) -> None:
    assert client.get("/api/v1/me/invitations").status_code == 401
    assert client.post(f"/api/v1/me/invitations/{uuid7()}/accept").status_code == 401
    assert client.post(f"/api/v1/me/invitations/{uuid7()}/reject").status_code == 401


def test_another_account_cannot_accept_or_reject(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    intruder = factory.user()
    accept = intruder.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert accept.status_code == 404
    assert error_code(accept) == "invitation_not_found"
    assert intruder.post(f"/api/v1/me/invitations/{inv['id']}/reject").status_code == 404
    # Not even a member of the workspace, with the invitation's id in hand.
    member = factory.member(ws, "member")
    assert member.post(f"/api/v1/me/invitations/{inv['id']}/accept").status_code == 404
    assert role_of(factory, ws, intruder) is None
    assert invitation_row(factory, ws, inv["id"])["status"] == "pending"
    assert intruder.get("/api/v1/me/invitations").json()["items"] == []


def test_expired_invitation_cannot_be_accepted(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    expire(factory, ws, inv["id"])
    resp = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert resp.status_code == 409
    assert error_code(resp) == "invitation_expired"
    assert role_of(factory, ws, invitee) is None
    assert invitee.get("/api/v1/me/invitations").json()["items"] == []
    listed = owner.get("/api/v1/invitations", ws=ws).json()["items"]
    assert [(i["id"], i["status"]) for i in listed] == [(inv["id"], "expired")]


def test_the_invitee_can_reject_an_expired_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    expire(factory, ws, inv["id"])
    resp = invitee.post(f"/api/v1/me/invitations/{inv['id']}/reject")
    assert resp.status_code == 204, resp.text
    assert invitation_row(factory, ws, inv["id"])["status"] == "rejected"
    late = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept")
    assert late.status_code == 409
    assert error_code(late) == "invitation_not_pending"
    assert role_of(factory, ws, invitee) is None


def test_reject_an_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    resp = invitee.post(f"/api/v1/me/invitations/{inv['id']}/reject")
    assert resp.status_code == 204
    assert invitation_row(factory, ws, inv["id"])["status"] == "rejected"
    assert role_of(factory, ws, invitee) is None
    assert invitee.get("/api/v1/me/invitations").json()["items"] == []
    assert invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept").status_code == 409
    assert invitee.post(f"/api/v1/me/invitations/{inv['id']}/reject").status_code == 409
    assert owner.get("/api/v1/invitations", ws=ws).json()["items"][0]["status"] == "rejected"


def test_accepting_while_working_in_another_workspace(factory: Factory) -> None:
    invitee = factory.user()
    home = factory.workspace(invitee)
    invitee.post("/api/v1/workspaces/active", json={"workspace": home["slug"]})
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, invitee.email, "viewer")
    resp = invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept", ws=home)
    assert resp.status_code == 200
    assert role_of(factory, ws, invitee) == "viewer"
    assert role_of(factory, home, invitee) == "owner"
    assert invitee.get("/api/v1/auth/session").json()["active_workspace"]["id"] == str(ws["id"])
