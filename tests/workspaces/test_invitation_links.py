"""The invitee's side: only a verified address answers its invitations, and the emailed
link carries a single-use token that accepts the invitation."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from atlas.config import Settings
from tests.factories import Actor, Factory
from tests.identity.emails import emailed_tokens, last_token
from tests.workspaces.helpers import (
    bearer,
    error_code,
    invitation_row,
    invite,
    role_of,
    tag,
    workspace_token,
)

LINK = "/invitations/accept"
ACCEPT_TOKEN = "/api/v1/me/invitations/accept-token"


def link_token(factory: Factory, email: str) -> str:
    """The token of the last invitation link emailed to `email`."""
    return last_token(factory.sql, email, LINK)


def members_of(factory: Factory, ws: dict[str, Any], user: Actor) -> int:
    rows = factory.sql.owner(
        "SELECT count(*) AS n FROM workspace_members WHERE workspace_id = %s AND user_id = %s",
        ws["id"],
        user.id,
        workspace=ws["id"],
    )
    return int(rows[0]["n"])


def accept_token(actor: Actor, token: str, **kw: Any) -> httpx.Response:
    return actor.post(ACCEPT_TOKEN, json={"token": token}, **kw)


# --- only a verified address --------------------------------------------------------------


def test_an_unverified_account_of_the_invited_address_gets_nothing(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"new.hire-{tag()}@acme.example"
    inv = invite(owner, ws, email, "admin")
    stranger = factory.user(email=email, verified=False)
    token = link_token(factory, email)

    listed = stranger.get("/api/v1/me/invitations")
    assert listed.status_code == 403, listed.text
    assert error_code(listed) == "email_not_verified"
    assert "verify" in listed.json()["error"]["message"].lower()
    for path in (f"/api/v1/me/invitations/{inv['id']}/accept", ACCEPT_TOKEN):
        resp = stranger.post(path, json={"token": token})
        assert resp.status_code == 403, (path, resp.text)
        assert error_code(resp) == "email_not_verified"
    rejected = stranger.post(f"/api/v1/me/invitations/{inv['id']}/reject")
    assert rejected.status_code == 403
    assert error_code(rejected) == "email_not_verified"

    assert members_of(factory, ws, stranger) == 0
    assert invitation_row(factory, ws, inv["id"])["status"] == "pending"
    assert stranger.get("/api/v1/members", ws=ws).status_code == 404


def test_verifying_the_address_opens_its_invitations(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user(verified=False)
    inv = invite(owner, ws, invitee.email)
    assert invitee.get("/api/v1/me/invitations").status_code == 403
    verification = last_token(factory.sql, invitee.email, "/verify-email")
    done = factory.http.post("/api/v1/auth/verify-email", json={"token": verification})
    assert done.status_code == 200, done.text  # and signed in: the shared client stays anonymous
    factory.http.cookies.clear()
    listed = invitee.get("/api/v1/me/invitations").json()
    assert [i["id"] for i in listed["items"]] == [inv["id"]]
    assert invitee.post(f"/api/v1/me/invitations/{inv['id']}/accept").status_code == 200
    assert role_of(factory, ws, invitee) == "member"


# --- the emailed link ---------------------------------------------------------------------


def test_the_link_carries_a_token_kept_only_as_its_hash(
    factory: Factory, database: Settings
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"linked-{tag()}@example.com"
    inv = invite(owner, ws, email)
    (message,) = factory.sql.owner("SELECT body FROM outbox_messages WHERE to_email = %s", email)
    token = link_token(factory, email)
    assert f"{database.public_url}{LINK}?token={token}" in message["body"]
    assert f"/invitations/{inv['id']}" not in message["body"]
    stored = bytes(invitation_row(factory, ws, inv["id"])["token_hash"])
    assert stored == hashlib.sha256(token.encode()).digest()
    assert token not in str(invitation_row(factory, ws, inv["id"]))


def test_the_link_token_accepts_once(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    invite(owner, ws, invitee.email, "admin")
    token = link_token(factory, invitee.email)

    accepted = accept_token(invitee, token)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["role"]) == (str(ws["id"]), "admin")
    assert role_of(factory, ws, invitee) == "admin"
    session = invitee.get("/api/v1/auth/session").json()
    assert session["active_workspace"]["id"] == str(ws["id"])

    again = accept_token(invitee, token)
    assert again.status_code == 404
    assert error_code(again) == "invitation_not_found"
    assert members_of(factory, ws, invitee) == 1


def test_a_resent_invitations_old_link_stops_working(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    old = link_token(factory, invitee.email)
    assert owner.post(f"/api/v1/invitations/{inv['id']}/resend", ws=ws).status_code == 200
    new = link_token(factory, invitee.email)
    assert new != old
    assert emailed_tokens(factory.sql, invitee.email, LINK) == [old, new]

    stale = accept_token(invitee, old)
    assert stale.status_code == 404
    assert error_code(stale) == "invitation_not_found"
    assert role_of(factory, ws, invitee) is None
    assert accept_token(invitee, new).status_code == 200
    assert role_of(factory, ws, invitee) == "member"


def test_someone_elses_token_does_nothing_for_another_verified_user(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    token = link_token(factory, invitee.email)
    intruder = factory.user()

    resp = accept_token(intruder, token)
    assert resp.status_code == 404
    assert error_code(resp) == "invitation_not_found"
    assert members_of(factory, ws, intruder) == 0
    assert invitation_row(factory, ws, inv["id"])["status"] == "pending"
    assert accept_token(invitee, token).status_code == 200


def test_canceled_expired_and_unknown_tokens_are_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    canceled = invite(owner, ws, invitee.email)
    canceled_token = link_token(factory, invitee.email)
    assert owner.post(f"/api/v1/invitations/{canceled['id']}/cancel", ws=ws).status_code == 200
    other = factory.workspace(owner)
    expired = invite(owner, other, invitee.email)
    expired_token = link_token(factory, invitee.email)
    factory.sql.owner(
        "UPDATE invitations SET expires_at = now() - interval '1 hour' WHERE id = %s",
        expired["id"],
        workspace=other["id"],
    )

    for token in (canceled_token, "not-a-token", "x" * 43):
        resp = accept_token(invitee, token)
        assert resp.status_code == 404, token
        assert error_code(resp) == "invitation_not_found"
    late = accept_token(invitee, expired_token)
    assert late.status_code == 409
    assert error_code(late) == "invitation_expired"
    assert (role_of(factory, ws, invitee), role_of(factory, other, invitee)) == (None, None)
    assert invitation_row(factory, other, expired["id"])["status"] == "pending"


def test_the_token_field_is_validated(factory: Factory) -> None:
    invitee = factory.user()
    for body in ({}, {"token": ""}, {"token": "t" * 201}, {"token": "t", "more": 1}):
        resp = invitee.post(ACCEPT_TOKEN, json=body)
        assert resp.status_code == 422, body
        assert resp.json()["error"]["code"] == "validation_error"


def test_a_stored_address_in_capitals_still_matches(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    invite(owner, ws, invitee.email)
    factory.sql.owner("UPDATE users SET email = upper(email) WHERE id = %s", invitee.id)
    assert accept_token(invitee, link_token(factory, invitee.email)).status_code == 200
    assert role_of(factory, ws, invitee) == "member"


# --- session only, one membership ---------------------------------------------------------


def test_a_workspace_token_cannot_see_or_answer_invitations(factory: Factory) -> None:
    invitee = factory.user()
    home = factory.workspace(invitee)
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, invitee.email)
    token = link_token(factory, invitee.email)
    headers = bearer(workspace_token(invitee, home))
    attempts = [
        factory.http.get("/api/v1/me/invitations", headers=headers),
        factory.http.post(ACCEPT_TOKEN, headers=headers, json={"token": token}),
        factory.http.post(f"/api/v1/me/invitations/{inv['id']}/accept", headers=headers),
        factory.http.post(f"/api/v1/me/invitations/{inv['id']}/reject", headers=headers),
    ]
    for resp in attempts:
        assert resp.status_code == 403, resp.text
        assert error_code(resp) == "session_required"
    # The pages too, when called with the token instead of the session cookie.
    page = factory.http.get(LINK, params={"token": token}, headers=headers)
    assert page.status_code == 403
    assert "workspace token" in page.text
    assert role_of(factory, ws, invitee) is None
    assert invitation_row(factory, ws, inv["id"])["status"] == "pending"


def test_accepting_twice_at_once_makes_one_membership(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    inv = invite(owner, ws, invitee.email)
    token = link_token(factory, invitee.email)
    requests = [
        (ACCEPT_TOKEN, {"token": token}),
        (f"/api/v1/me/invitations/{inv['id']}/accept", None),
    ]

    def send(request: tuple[str, dict[str, str] | None]) -> httpx.Response:
        # A client per thread: the two requests travel on two connections at once.
        with httpx.Client(base_url=factory.base_url, timeout=30) as http:
            return http.post(request[0], headers=bearer(invitee.token), json=request[1])

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, requests))
    statuses = sorted(resp.status_code for resp in answers)
    assert statuses[0] == 200, [resp.text for resp in answers]
    assert statuses[1] in (404, 409), [resp.text for resp in answers]
    assert members_of(factory, ws, invitee) == 1
    assert invitation_row(factory, ws, inv["id"])["status"] == "accepted"
