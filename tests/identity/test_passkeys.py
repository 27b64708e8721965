"""Passkeys over real HTTP, with a software authenticator: registration with user
verification, single-use and expiring challenges, sign-in with a passkey alone (two
factors), the signature counter, and who may manage them."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Actor, Factory
from tests.identity.authenticator import (
    Authenticator,
    b64url,
    for_the_test_server,
    register_passkey,
)
from tests.sql import Sql

OPTIONS = "/api/v1/auth/passkeys/registration-options"
PASSKEYS = "/api/v1/auth/passkeys"
SIGN_IN_OPTIONS = "/api/v1/auth/sign-in/passkey/options"
SIGN_IN = "/api/v1/auth/sign-in/passkey"


@pytest.fixture
def authenticator() -> Authenticator:
    return for_the_test_server()


def register(user: Actor, authenticator: Authenticator) -> httpx.Response:
    resp: httpx.Response = register_passkey(user, authenticator)
    return resp


def sign_in(client: httpx.Client, authenticator: Authenticator) -> httpx.Response:
    options = client.post(SIGN_IN_OPTIONS).json()
    resp = client.post(SIGN_IN, json={"credential": authenticator.get(options)})
    client.cookies.clear()
    return resp


def test_registration_asks_for_a_verified_discoverable_passkey(
    factory: Factory, authenticator: Authenticator
) -> None:
    user = factory.user()
    options = user.post(OPTIONS).json()["publicKey"]
    assert options["rp"]["id"] == authenticator.rp_id
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["user"]["name"] == user.email
    made = register(user, authenticator)
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Laptop"
    assert [p["name"] for p in user.get(PASSKEYS).json()] == ["Laptop"]
    # The next options exclude it; registering it again is refused.
    again_options = user.post(OPTIONS).json()
    excluded = [c["id"] for c in again_options["publicKey"]["excludeCredentials"]]
    assert excluded == [b64url(authenticator.credential_id)]
    again = user.post(
        PASSKEYS,
        json={"name": "Twice", "credential": authenticator.create(user.post(OPTIONS).json())},
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "passkey_exists"


def test_a_registration_challenge_works_once_for_its_own_account(
    factory: Factory, authenticator: Authenticator
) -> None:
    user, other = factory.user(), factory.user()
    options = user.post(OPTIONS).json()
    credential = authenticator.create(options)
    # Another account cannot answer this account's challenge.
    stolen = other.post(PASSKEYS, json={"name": "Stolen", "credential": credential})
    assert stolen.status_code == 422
    assert stolen.json()["error"]["code"] == "passkey_challenge_expired"
    # The refusal took nothing: its owner answers it, once.
    assert user.post(PASSKEYS, json={"name": "Mine", "credential": credential}).status_code == 201
    spent = user.post(PASSKEYS, json={"name": "Twice", "credential": credential})
    assert spent.status_code == 422
    assert spent.json()["error"]["code"] == "passkey_challenge_expired"


@pytest.mark.parametrize("flaw", ["other origin", "user not verified", "other site"])
def test_an_unverifiable_registration_is_refused(
    factory: Factory, authenticator: Authenticator, flaw: str
) -> None:
    user = factory.user()
    options = user.post(OPTIONS).json()
    if flaw == "user not verified":
        authenticator.verifies_user = False
    credential = authenticator.create(
        options, "https://evil.example" if flaw == "other origin" else None
    )
    if flaw == "other site":  # made for another relying party's id
        elsewhere = Authenticator(rp_id="evil.example", origin=authenticator.origin)
        credential = elsewhere.create(options)
    resp = user.post(PASSKEYS, json={"name": "Bad", "credential": credential})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "invalid_passkey"
    assert user.get(PASSKEYS).json() == []


def test_signing_in_with_a_passkey_alone_counts_as_two_factors(
    client: httpx.Client, factory: Factory, authenticator: Authenticator, sql: Sql
) -> None:
    user = factory.user()
    assert register(user, authenticator).status_code == 201
    resp = sign_in(client, authenticator)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["user"]["id"] == str(user.id)
    assert body["session"]["authenticated_by"] == "passkey"
    # The passkey counts as a second factor for the policy's list...
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.add_member(ws, user, "member")
    policy = owner.get("/api/v1/workspace/two-factor", ws=ws).json()
    assert {m["user_id"] for m in policy["members_without_two_factor"]} == {str(owner.id)}
    # ... and its session gets into a workspace that requires two factors.
    sql.owner("UPDATE workspaces SET require_two_factor = true WHERE id = %s", ws["id"])
    passkey_session = Actor(user.id, user.email, user.name, body["token"], user.http)
    assert passkey_session.get("/api/v1/projects", ws=ws).status_code == 200
    assert user.get("/api/v1/projects", ws=ws).json()["error"]["code"] == "two_factor_required"


def test_a_sign_in_challenge_works_once_and_the_counter_only_moves_forward(
    client: httpx.Client, factory: Factory, authenticator: Authenticator
) -> None:
    user = factory.user()
    register(user, authenticator)
    options = client.post(SIGN_IN_OPTIONS).json()
    assertion = authenticator.get(options)
    assert client.post(SIGN_IN, json={"credential": assertion}).status_code == 200
    client.cookies.clear()
    replayed = client.post(SIGN_IN, json={"credential": assertion})
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "passkey_challenge_expired"
    # A copy of the authenticator whose counter fell behind (a cloned key) is refused.
    authenticator.sign_count -= 1
    cloned = sign_in(client, authenticator)
    assert cloned.status_code == 401
    assert cloned.json()["error"]["code"] == "invalid_passkey"
    authenticator.sign_count += 5
    assert sign_in(client, authenticator).status_code == 200


def test_unknown_unverified_or_expired_sign_ins_are_refused(
    client: httpx.Client,
    factory: Factory,
    authenticator: Authenticator,
    sql: Sql,
) -> None:
    user = factory.user()
    register(user, authenticator)
    stranger = Authenticator(rp_id=authenticator.rp_id, origin=authenticator.origin)
    unknown = sign_in(client, stranger)
    assert unknown.json()["error"]["code"] == "invalid_passkey"
    authenticator.verifies_user = False
    unverified = sign_in(client, authenticator)
    assert unverified.status_code == 401
    assert unverified.json()["error"]["code"] == "invalid_passkey"
    authenticator.verifies_user = True
    options = client.post(SIGN_IN_OPTIONS).json()
    sql.owner("UPDATE webauthn_challenges SET expires_at = now() - interval '1 second'")
    expired = client.post(SIGN_IN, json={"credential": authenticator.get(options)})
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "passkey_challenge_expired"


def test_passkeys_are_renamed_and_removed_by_their_owner_only(
    client: httpx.Client, factory: Factory, authenticator: Authenticator
) -> None:
    user, other = factory.user(), factory.user()
    passkey = register(user, authenticator).json()
    url = f"{PASSKEYS}/{passkey['id']}"
    assert other.patch(url, json={"name": "Mine"}).status_code == 404
    assert other.delete(url).status_code == 404
    renamed = user.patch(url, json={"name": "Phone"})
    assert renamed.json()["name"] == "Phone"
    assert user.patch(url, json={"name": ""}).status_code == 422
    assert user.delete(url).status_code == 204
    assert user.get(PASSKEYS).json() == []
    gone = sign_in(client, authenticator)
    assert gone.json()["error"]["code"] == "invalid_passkey"


def test_a_workspace_token_cannot_manage_passkeys(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token = user.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]}).json()[
        "token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", PASSKEYS), ("POST", OPTIONS)):
        resp = user.http.request(method, path, headers=headers)
        assert resp.status_code == 403
        assert resp.json()["error"]["code"] == "session_required"
