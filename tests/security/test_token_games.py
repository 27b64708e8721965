"""Token games: workspace tokens and sessions bent to reach another workspace, or reused
after they should have died. Each is refused, and nothing of the other workspace shows."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from atlas.config import Settings
from atlas.credentials import TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.factories import PASSWORD, Actor, Factory
from tests.projects.helpers import new_project
from tests.web.helpers import Browser
from tests.workspaces.helpers import bearer, member_id, session_id, workspace_token

# Tenant routes with the workspace taken from the credentials, read by every role.
ROUTES = ("/api/v1/members", "/api/v1/projects", "/api/v1/audit-events", "/api/v1/roles")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def _valid_claims(user: Actor, ws: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "sub": str(user.id),
        "sid": session_id(user),
        "wid": str(ws["id"]),
        "iat": now,
        "exp": now + 600,
        "jti": "a-game",
        **changes,
    }


def _key(database: Settings) -> str:
    assert database.secret_key is not None
    return database.secret_key.get_secret_value()


def _refused_everywhere(user: Actor, token: str, status: int, **kw: Any) -> None:
    for route in ROUTES:
        resp = user.get(route, headers=bearer(token), **kw)
        assert resp.status_code == status, f"{route}: {resp.status_code} {resp.text}"


@pytest.fixture
def two(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A user who owns A, and a workspace B of someone else with a project in it."""
    user = factory.user()
    a = factory.workspace(user)
    stranger = factory.user()
    b = factory.workspace(stranger)
    return user, a, b, new_project(stranger, b)


Two = tuple[Actor, dict[str, Any], dict[str, Any], dict[str, Any]]


def test_a_token_of_a_with_the_header_of_b_is_refused(two: Two) -> None:
    user, a, b, project = two
    token = workspace_token(user, a)
    for ref in (str(b["id"]), b["slug"]):
        for route in (*ROUTES, f"/api/v1/projects/{project['id']}"):
            resp = user.get(route, ws=ref, headers=bearer(token))
            assert resp.status_code in {403, 404}, f"{route}: {resp.status_code}"
            assert b["name"] not in resp.text
            assert project["code"] not in resp.text
        renamed = user.patch(
            f"/api/v1/workspaces/{b['slug']}", headers=bearer(token), json={"name": "Taken"}
        )
        assert renamed.status_code in {403, 404}
    assert user.get(f"/api/v1/projects/{project['id']}", headers=bearer(token)).status_code == 404
    # The same token in its own workspace works: only the header was wrong.
    assert user.get("/api/v1/projects", ws=a, headers=bearer(token)).status_code == 200


def test_a_token_whose_wid_was_edited_is_401(factory: Factory, two: Two) -> None:
    user, a, b, _ = two
    own_other = factory.workspace(user)  # even a workspace the user does belong to
    token = workspace_token(user, a)
    header, _, signature = token.split(".")
    for target in (b, own_other):
        forged = f"{header}.{_b64({**_claims(token), 'wid': str(target['id'])})}.{signature}"
        _refused_everywhere(user, forged, 401)
        _refused_everywhere(user, forged, 401, ws=target)
    _refused_everywhere(user, token, 200)


def test_a_token_signed_with_another_key_is_401(two: Two, database: Settings) -> None:
    user, a, b, _ = two
    for ws in (a, b):
        token = jwt.encode(_valid_claims(user, ws), "x" * 48, algorithm=TOKEN_ALGORITHM)
        _refused_everywhere(user, token, 401)
    # The same claims signed with the server's key do work.
    good = jwt.encode(_valid_claims(user, a), _key(database), algorithm=TOKEN_ALGORITHM)
    _refused_everywhere(user, good, 200)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_401(two: Two, alg: str) -> None:
    user, a, b, _ = two
    for ws in (a, b):
        unsigned = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(_valid_claims(user, ws))}."
        _refused_everywhere(user, unsigned, 401)


def test_an_expired_token_is_401(two: Two, database: Settings) -> None:
    user, a, _, _ = two
    past = int(datetime.now(UTC).timestamp()) - 60
    token = jwt.encode(
        _valid_claims(user, a, exp=past, iat=past - 600), _key(database), TOKEN_ALGORITHM
    )
    _refused_everywhere(user, token, 401)


def test_a_token_of_a_signed_out_or_revoked_session_is_401(factory: Factory, two: Two) -> None:
    user, a, _, _ = two
    signed_out = workspace_token(user, a)
    assert user.post("/api/v1/auth/sign-out").status_code == 204
    _refused_everywhere(user, signed_out, 401)
    assert user.get("/api/v1/projects", ws=a).status_code == 401

    # A session revoked from another one of the same user.
    first = _signed_in(factory, user)
    second = _signed_in(factory, user)
    token = workspace_token(first, a)
    _refused_everywhere(first, token, 200)
    assert second.delete(f"/api/v1/auth/sessions/{session_id(first)}").status_code == 204
    _refused_everywhere(first, token, 401)


def _signed_in(factory: Factory, user: Actor) -> Actor:
    resp = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    factory.http.cookies.clear()
    return Actor(user.id, user.email, user.name, resp.json()["token"], factory.http)


def test_a_removed_member_is_404_in_a_and_still_at_home_in_b(factory: Factory, server: str) -> None:
    owner = factory.user()
    a = factory.workspace(owner)
    project = new_project(owner, a)
    member = factory.member(a, "admin")
    home = factory.workspace(member)
    token = workspace_token(member, a)
    browser = Browser(server, member)
    try:
        assert browser.get(f"/w/{a['slug']}/projects").status_code == 200
        assert (
            owner.delete(f"/api/v1/members/{member_id(factory, a, member)}", ws=a).status_code
            == 204
        )

        for route in (*ROUTES, f"/api/v1/projects/{project['id']}"):
            resp = member.get(route, ws=a)
            assert resp.status_code == 404, f"{route}: {resp.status_code}"
            assert project["code"] not in resp.text
        _refused_everywhere(member, token, 404)
        assert member.get(f"/api/v1/workspaces/{a['slug']}").status_code == 404
        page = browser.get(f"/w/{a['slug']}/projects/{project['id']}")
        assert page.status_code == 404
        assert project["code"] not in page.text
        assert browser.get(f"/w/{a['slug']}/").status_code == 404

        # Their own workspace still works, through the API and the pages.
        assert member.get("/api/v1/projects", ws=home).status_code == 200
        assert browser.get(f"/w/{home['slug']}/projects").status_code == 200
        listed = member.get("/api/v1/workspaces").json()["items"]
        assert [w["id"] for w in listed] == [str(home["id"])]
    finally:
        browser.close()


def test_a_deleted_workspace_is_404_for_every_credential(factory: Factory, server: str) -> None:
    owner = factory.user()
    doomed = factory.workspace(owner)
    project = new_project(owner, doomed)
    member = factory.member(doomed, "member")
    token = workspace_token(member, doomed)
    browser = Browser(server, member)
    try:
        resp = owner.delete(
            f"/api/v1/workspaces/{doomed['slug']}", json={"confirm": doomed["slug"]}
        )
        assert resp.status_code == 204, resp.text
        for user in (owner, member):
            for route in (*ROUTES, f"/api/v1/projects/{project['id']}"):
                assert user.get(route, ws=doomed).status_code == 404, route
            assert user.get(f"/api/v1/workspaces/{doomed['id']}").status_code == 404
        _refused_everywhere(member, token, 404)
        assert browser.get(f"/w/{doomed['slug']}/projects/{project['id']}").status_code == 404
        # The accounts themselves live on.
        assert member.get("/api/v1/auth/session").status_code == 200
    finally:
        browser.close()


def test_a_signed_out_cookie_opens_no_page(factory: Factory, server: str) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    browser = Browser(server, owner)
    try:
        url = f"/w/{ws['slug']}/projects/{project['id']}"
        assert browser.get(url).status_code == 200
        assert owner.post("/api/v1/auth/sign-out").status_code == 204
        resp = browser.get(url)
        assert resp.status_code in {303, 401}
        assert project["code"] not in resp.text
    finally:
        browser.close()


def test_the_workspace_of_a_token_is_not_the_session_of_another_user(two: Two) -> None:
    """A token of one user's session claimed by another user (sub edited, re-signed
    with a wrong key, or left unsigned) opens nothing."""
    user, a, _, _ = two
    token = workspace_token(user, a)
    header, _, signature = token.split(".")
    forged = f"{header}.{_b64({**_claims(token), 'sub': str(uuid.uuid4())})}.{signature}"
    _refused_everywhere(user, forged, 401)


def test_a_token_of_a_reaches_nothing_of_b_even_for_a_member_of_both(factory: Factory) -> None:
    """The token's workspace wins: B's header (in any spelling), path and ids are refused."""
    user = factory.user()
    a, b = factory.workspace(user), factory.workspace(user)
    project = new_project(user, b)
    token = workspace_token(user, a)
    for ref in (str(b["id"]), str(b["id"]).upper(), b["slug"], b["slug"].upper()):
        resp = user.get("/api/v1/projects", ws=ref, headers=bearer(token))
        assert resp.status_code == 403, ref
        assert project["code"] not in resp.text
    for path in (f"/api/v1/projects/{project['id']}", f"/api/v1/workspaces/{b['slug']}"):
        resp = user.get(path, headers=bearer(token))
        assert resp.status_code in {403, 404}, path
        assert project["code"] not in resp.text
    assert user.get("/api/v1/projects", headers=bearer(token)).json()["items"] == []
    # The session itself may name B: the user does belong to it.
    assert user.get(f"/api/v1/projects/{project['id']}", ws=b).status_code == 200


def test_a_token_naming_another_users_session_is_401(
    factory: Factory, two: Two, database: Settings
) -> None:
    """Even correctly signed, a token whose session belongs to someone else opens nothing."""
    user, _, b, _ = two
    stranger = factory.user()
    factory.add_member(b, stranger, "owner")
    claims = _valid_claims(user, b, sid=session_id(stranger))
    token = jwt.encode(claims, _key(database), algorithm=TOKEN_ALGORITHM)
    _refused_everywhere(user, token, 401)
    # The same token in the stranger's own name works: only the user was wrong.
    theirs = jwt.encode({**claims, "sub": str(stranger.id)}, _key(database), TOKEN_ALGORITHM)
    _refused_everywhere(stranger, theirs, 200)
