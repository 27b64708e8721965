"""Sign-up tells nobody whether an account exists: the answer, the cookies and the emails.

A new address gets its verification link, an address that has an account gets a note
(with a pointer to password reset); following the link verifies the address and signs in.
"""

from __future__ import annotations

import secrets

import httpx

from tests.factories import PASSWORD, Factory
from tests.identity.emails import emailed_tokens, last_token
from tests.sql import Sql
from tests.web.helpers import Browser, redirected_to, text

SIGN_UP = "/api/v1/auth/sign-up"
OTHER_PASSWORD = "another long password"


def new_email() -> str:
    return f"signup-{secrets.token_hex(5)}@example.com"


def messages_to(sql: Sql, email: str) -> list[dict[str, str]]:
    return sql.owner(
        "SELECT subject, body FROM outbox_messages WHERE to_email = %s ORDER BY created_at, id",
        email,
    )


def test_new_and_existing_addresses_get_the_same_answer(
    client: httpx.Client, factory: Factory
) -> None:
    existing = factory.user()
    fresh = client.post(SIGN_UP, json={"email": new_email(), "password": PASSWORD, "name": "New"})
    taken = client.post(
        SIGN_UP, json={"email": existing.email.upper(), "password": OTHER_PASSWORD, "name": "X"}
    )
    assert fresh.status_code == taken.status_code == 202, (fresh.text, taken.text)
    assert fresh.json() == taken.json()
    assert set(fresh.json()) == {"message"}
    assert "check your inbox" in fresh.json()["message"].lower()
    assert "set-cookie" not in fresh.headers
    assert "set-cookie" not in taken.headers
    assert client.get("/api/v1/auth/session").status_code == 401


def test_a_new_address_is_emailed_its_verification_link(client: httpx.Client, sql: Sql) -> None:
    email = new_email()
    resp = client.post(
        SIGN_UP, json={"email": email.upper(), "password": PASSWORD, "name": " Ada "}
    )
    assert resp.status_code == 202, resp.text
    (user,) = sql.owner("SELECT name, email, email_verified FROM users WHERE email = %s", email)
    assert user == {"name": "Ada", "email": email, "email_verified": False}
    (message,) = messages_to(sql, email)
    assert message["subject"] == "Confirm your email address for Atlas ERP"
    assert last_token(sql, email, "/verify-email")


def test_an_existing_address_gets_a_note_and_keeps_its_account(
    client: httpx.Client, factory: Factory
) -> None:
    existing = factory.user()
    before = messages_to(factory.sql, existing.email)
    resp = client.post(
        SIGN_UP, json={"email": existing.email, "password": OTHER_PASSWORD, "name": "Intruder"}
    )
    assert resp.status_code == 202, resp.text
    after = messages_to(factory.sql, existing.email)
    assert after[: len(before)] == before
    (note,) = after[len(before) :]
    assert note["subject"] == "Someone tried to sign up with your address on Atlas ERP"
    assert "/forgot-password" in note["body"]
    assert "token=" not in note["body"]
    (user,) = factory.sql.owner("SELECT name FROM users WHERE id = %s", existing.id)
    assert user["name"] == existing.name
    kept = client.post("/api/v1/auth/sign-in", json={"email": existing.email, "password": PASSWORD})
    assert kept.status_code == 200
    client.cookies.clear()  # signed in: the next call is anonymous again
    refused = client.post(
        "/api/v1/auth/sign-in", json={"email": existing.email, "password": OTHER_PASSWORD}
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_credentials"


def test_following_the_link_verifies_and_signs_in(client: httpx.Client, sql: Sql) -> None:
    email = new_email()
    assert (
        client.post(SIGN_UP, json={"email": email, "password": PASSWORD, "name": "V"}).status_code
        == 202
    )
    token = last_token(sql, email, "/verify-email")
    resp = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["user"]["email"] == email
    assert body["user"]["email_verified"] is True
    assert body["session"]["current"] is True
    cookie = resp.headers["set-cookie"]
    assert "atlas_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    me = client.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["user"]["email_verified"] is True
    again = httpx.post(f"{client.base_url}/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "token_used"
    assert "set-cookie" not in again.headers


def test_an_unverified_account_signs_in_with_its_password(client: httpx.Client, sql: Sql) -> None:
    email = new_email()
    assert (
        client.post(SIGN_UP, json={"email": email, "password": PASSWORD, "name": "U"}).status_code
        == 202
    )
    resp = client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    assert resp.json()["user"]["email_verified"] is False


def test_the_factory_gives_verified_and_unverified_signed_in_users(factory: Factory) -> None:
    verified, unverified = factory.user(), factory.user(verified=False)
    for actor, expected in ((verified, True), (unverified, False)):
        me = actor.get("/api/v1/auth/session")
        assert me.status_code == 200, me.text
        assert me.json()["user"]["email_verified"] is expected


def test_the_sign_up_page_answers_the_same_then_the_link_signs_in(
    factory: Factory, server: str
) -> None:
    existing = factory.user()
    email = new_email()
    browser = Browser(server)
    try:
        fresh = browser.post("/sign-up", {"name": "Nadia", "email": email, "password": PASSWORD})
        taken = browser.post(
            "/sign-up", {"name": "X", "email": existing.email, "password": OTHER_PASSWORD}
        )
        assert fresh.status_code == taken.status_code == 200
        assert "atlas_session" not in fresh.cookies
        assert "atlas_session" not in taken.cookies
        page = text(fresh)
        assert page.replace(email, "ADDRESS") == text(taken).replace(existing.email, "ADDRESS")
        assert "Check your inbox" in page
        assert "the server's log" in page  # no SMTP here: the link goes to the log
        assert len(emailed_tokens(factory.sql, existing.email, "/verify-email")) == 1
        token = last_token(factory.sql, email, "/verify-email")
        assert redirected_to(browser.post("/verify-email", {"token": token})) == "/"
        assert browser.http.cookies.get("atlas_session")
        me = browser.get("/account")
        assert me.status_code == 200
        assert email in text(me)
        assert "Your email address is verified." in text(me)
    finally:
        browser.close()
