"""Workspace tokens: issued for one's own workspaces, honoured by the guard, hard to forge."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import httpx
import jwt

from atlas.config import Settings
from atlas.credentials import TOKEN_ISSUER, issue_workspace_token
from tests.factories import Actor, Factory
from tests.workspaces.helpers import bearer, error_code, member_id, session_id, workspace_token


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _key(database: Settings) -> str:
    assert database.secret_key is not None
    return database.secret_key.get_secret_value()


def _claims(actor: Actor, ws: dict[str, object]) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": TOKEN_ISSUER,
        "sub": str(actor.id),
        "sid": session_id(actor),
        "wid": str(ws["id"]),
        "iat": now,
        "exp": now + 600,
        "jti": "test-token",
    }


def test_issue_a_token_and_use_it_as_bearer(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    resp = member.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["workspace_id"] == str(ws["id"])
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)

    listed = member.get("/api/v1/members", headers=bearer(body["token"]))
    assert listed.status_code == 200
    assert {m["user_id"] for m in listed.json()["items"]} == {str(owner.id), str(member.id)}
    # The role still comes from the database: a member may not invite.
    denied = member.post(
        "/api/v1/invitations", headers=bearer(body["token"]), json={"email": "a@example.com"}
    )
    assert denied.status_code == 403
    # A header that agrees with the token is fine.
    agreed = member.get("/api/v1/members", ws=ws["slug"], headers=bearer(body["token"]))
    assert agreed.status_code == 200


def test_token_defaults_to_the_active_workspace(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    none = user.post("/api/v1/auth/workspace-token", json={"workspace": None})
    assert none.status_code == 403
    assert error_code(none) == "no_workspace_selected"
    user.post("/api/v1/workspaces/active", json={"workspace": ws["slug"]})
    resp = user.post("/api/v1/auth/workspace-token", json={})
    assert resp.status_code == 200
    assert resp.json()["workspace_id"] == str(ws["id"])


def test_token_only_for_ones_own_workspace(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(factory.user())
    assert (
        client.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]}).status_code
        == 401
    )
    for ref in (ws["slug"], str(ws["id"]), "nowhere-at-all"):
        resp = user.post("/api/v1/auth/workspace-token", json={"workspace": ref})
        assert resp.status_code == 404
        assert error_code(resp) == "workspace_not_found"


def test_a_workspace_token_cannot_issue_tokens_or_set_the_active_workspace(
    factory: Factory,
) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token = workspace_token(user, ws)
    again = user.post(
        "/api/v1/auth/workspace-token", headers=bearer(token), json={"workspace": ws["slug"]}
    )
    assert again.status_code == 403
    assert error_code(again) == "session_required"
    active = user.post(
        "/api/v1/workspaces/active", headers=bearer(token), json={"workspace": ws["slug"]}
    )
    assert active.status_code == 403


def test_token_is_refused_once_the_member_is_removed(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "admin")
    token = workspace_token(member, ws)
    assert member.get("/api/v1/members", headers=bearer(token)).status_code == 200
    assert (
        owner.delete(f"/api/v1/members/{member_id(factory, ws, member)}", ws=ws).status_code == 204
    )
    resp = member.get("/api/v1/members", headers=bearer(token))
    assert resp.status_code == 404
    assert error_code(resp) == "workspace_not_found"


def test_token_follows_role_changes_at_once(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    token = workspace_token(admin, ws)
    invite_body = {"email": "someone@example.com", "role": "viewer"}
    owner.patch(f"/api/v1/members/{member_id(factory, ws, admin)}", ws=ws, json={"role": "viewer"})
    resp = admin.post("/api/v1/invitations", headers=bearer(token), json=invite_body)
    assert resp.status_code == 403


def test_header_naming_another_workspace_is_refused(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    other = factory.workspace(user)
    token = workspace_token(user, ws)
    resp = user.get("/api/v1/members", ws=other, headers=bearer(token))
    assert resp.status_code == 403
    assert error_code(resp) == "workspace_mismatch"


def test_path_naming_another_workspace_is_refused(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    other = factory.workspace(user)
    token = workspace_token(user, ws)
    resp = user.patch(
        f"/api/v1/workspaces/{other['slug']}", headers=bearer(token), json={"name": "Changed"}
    )
    assert resp.status_code == 403
    assert error_code(resp) == "workspace_mismatch"
    assert user.get(f"/api/v1/workspaces/{ws['id']}").json()["name"] == ws["name"]
    assert user.get(f"/api/v1/workspaces/{other['id']}").json()["name"] == other["name"]
    same = user.get(f"/api/v1/workspaces/{ws['slug']}", headers=bearer(token))
    assert same.status_code == 200


def test_tampered_token_is_401(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    stranger_ws = factory.workspace(factory.user())
    header, payload, signature = workspace_token(user, ws).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["wid"] = str(stranger_ws["id"])
    forged = f"{header}.{_b64(claims)}.{signature}"
    resp = user.get("/api/v1/members", headers=bearer(forged))
    assert resp.status_code == 401
    assert error_code(resp) == "invalid_token"


def test_expired_token_is_401(factory: Factory, database: Settings) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token, _ = issue_workspace_token(
        _key(database),
        user_id=user.id,
        session_id=uuid.UUID(session_id(user)),
        workspace_id=uuid.UUID(str(ws["id"])),
        ttl=-10,
    )
    resp = user.get("/api/v1/members", headers=bearer(token))
    assert resp.status_code == 401
    assert error_code(resp) == "invalid_token"


def test_token_for_another_audience_is_401(factory: Factory, database: Settings) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token = jwt.encode(
        {**_claims(user, ws), "aud": "some-other-service"}, _key(database), algorithm="HS256"
    )
    resp = user.get("/api/v1/members", headers=bearer(token))
    assert resp.status_code == 401
    # The same claims with the right audience do work: only the audience was wrong.
    good = jwt.encode(
        {**_claims(user, ws), "aud": "atlas-erp:workspace"}, _key(database), algorithm="HS256"
    )
    assert user.get("/api/v1/members", headers=bearer(good)).status_code == 200


def test_unsigned_token_is_401(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    claims = {**_claims(user, ws), "aud": "atlas-erp:workspace"}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    resp = user.get("/api/v1/members", headers=bearer(unsigned))
    assert resp.status_code == 401
    assert error_code(resp) == "invalid_token"


def test_token_signed_with_another_key_is_401(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    claims = {**_claims(user, ws), "aud": "atlas-erp:workspace"}
    token = jwt.encode(claims, "not-the-server-key-but-long-enough-for-hs256", algorithm="HS256")
    assert user.get("/api/v1/members", headers=bearer(token)).status_code == 401


def test_token_of_a_signed_out_session_is_401(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token = workspace_token(user, ws)
    assert user.post("/api/v1/auth/sign-out").status_code == 204
    resp = user.get("/api/v1/members", headers=bearer(token))
    assert resp.status_code == 401
