"""A workspace that requires two-factor sign-in: who may turn it on, whom it locks out, and
that the guard's own statement refuses a password-only session on the very next request
(API, workspace tokens, pages, and raw SQL as the app role)."""

from __future__ import annotations

import httpx

from tests.factories import PASSWORD, Actor, Factory
from tests.identity.two_factor_helpers import turn_on
from tests.sql import Sql

POLICY = "/api/v1/workspace/two-factor"


def _require(owner: Actor, ws: dict[str, object], required: bool = True) -> httpx.Response:
    return owner.put(POLICY, ws=ws, json={"required": required})


def test_the_policy_needs_an_owner_with_a_second_factor_in_this_session(
    factory: Factory, client: httpx.Client
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    member = factory.member(ws, "member")

    refused = _require(admin, ws)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "owner_required"
    assert _require(member, ws).json()["error"]["code"] == "permission_denied"

    no_factor = _require(owner, ws)
    assert no_factor.status_code == 409
    assert no_factor.json()["error"]["code"] == "two_factor_not_enabled"

    # Two-factor on from another session: this one was opened with the password alone.
    other = client.post("/api/v1/auth/sign-in", json={"email": owner.email, "password": PASSWORD})
    client.cookies.clear()
    password_only = Actor(owner.id, owner.email, owner.name, other.json()["token"], owner.http)
    turn_on(owner)
    stale = _require(password_only, ws)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "second_factor_required"

    on = _require(owner, ws)  # the session two-factor was turned on in has both factors
    assert on.status_code == 200, on.text
    body = on.json()
    assert body["required"] is True
    locked_out = {m["user_id"] for m in body["members_without_two_factor"]}
    assert locked_out == {str(admin.id), str(member.id)}
    assert owner.get(f"/api/v1/workspaces/{ws['id']}").json()["require_two_factor"] is True


def test_the_list_of_who_would_be_locked_out_comes_first(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    viewer = factory.member(ws, "viewer")
    turn_on(viewer)
    policy = member.get(POLICY, ws=ws)
    assert policy.status_code == 200
    assert policy.json()["required"] is False
    names = [m["user_id"] for m in policy.json()["members_without_two_factor"]]
    assert sorted(names) == sorted([str(owner.id), str(member.id)])


def test_a_password_only_session_is_refused_on_the_next_request(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    token = member.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]}).json()[
        "token"
    ]
    assert member.get("/api/v1/projects", ws=ws).status_code == 200
    turn_on(owner)
    assert _require(owner, ws).status_code == 200

    for response in (
        member.get("/api/v1/projects", ws=ws),
        member.get(f"/api/v1/workspaces/{ws['slug']}"),
        member.http.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"}),
        member.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]}),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "two_factor_required"
    assert owner.get("/api/v1/projects", ws=ws).status_code == 200
    # Account routes still answer: the member can turn two-factor on, and is let in.
    turn_on(member)
    assert member.get("/api/v1/projects", ws=ws).status_code == 200
    # Off again: a password-only session of a member without it gets in again.
    other = factory.member(ws, "viewer")
    assert other.get("/api/v1/projects", ws=ws).status_code == 403
    assert _require(owner, ws, required=False).json()["required"] is False
    assert other.get("/api/v1/projects", ws=ws).status_code == 200


def test_the_pages_say_how_to_get_in(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    turn_on(owner)
    _require(owner, ws)
    page = member.http.get(f"/w/{ws['slug']}/", headers={"Cookie": f"atlas_session={member.token}"})
    assert page.status_code == 403
    assert "This workspace requires two-factor sign-in." in page.text
    assert 'href="/account#two-factor"' in page.text


def test_the_guard_statement_does_not_enter_the_workspace(factory: Factory, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    owner.post("/api/v1/projects", ws=ws, json={"code": "SEC", "name": "Secret"})
    turn_on(owner)
    _require(owner, ws)
    session = sql.owner(
        "SELECT id FROM sessions WHERE user_id = %s ORDER BY created_at DESC LIMIT 1", member.id
    )[0]["id"]
    with sql.new_connection("app") as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT two_factor_required, member_role, session_authenticated_by"
            " FROM atlas_request_context(NULL, %s, %s, 3600, 3600, 'test', NULL, NULL)",
            (session, str(ws["id"])),
        )
        assert cur.fetchone() == {
            "two_factor_required": True,
            "member_role": "member",
            "session_authenticated_by": "password",
        }
        cur.execute("SELECT current_setting('app.workspace_id', true) AS ws")
        row = cur.fetchone()
        assert row is not None
        assert row["ws"] in (None, "")
        cur.execute("SELECT count(*) AS n FROM projects")
        assert cur.fetchone() == {"n": 0}


def test_the_change_is_in_the_audit_trail(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    turn_on(owner)
    _require(owner, ws)
    events = owner.get("/api/v1/audit-events", ws=ws, params={"entity_type": "workspace"}).json()
    changes = [e["changes"] for e in events["items"]]
    assert any("require_two_factor" in str(c) for c in changes), changes
