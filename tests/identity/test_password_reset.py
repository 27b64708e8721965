"""Password reset: no account enumeration, a single-use emailed token, every session ends."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import httpx

from atlas.config import Settings
from tests.factories import PASSWORD, Actor, Factory
from tests.identity.emails import emailed_tokens, last_token
from tests.sql import Sql
from tests.web.helpers import Browser, redirected_to, text

REQUEST = "/api/v1/auth/password-reset/request"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a brand new passphrase"


def error_code(resp: httpx.Response) -> str:
    return str(resp.json()["error"]["code"])


def reset_token(client: httpx.Client, sql: Sql, user: Actor) -> str:
    assert client.post(REQUEST, json={"email": user.email}).status_code == 202
    return last_token(sql, user.email, "/reset-password")


def signs_in(client: httpx.Client, user: Actor, password: str) -> bool:
    resp = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": password})
    client.cookies.clear()
    assert resp.status_code in (200, 401), resp.text
    return resp.status_code == 200


def test_the_answer_is_the_same_for_known_and_unknown_emails(
    factory: Factory, client: httpx.Client, sql: Sql
) -> None:
    user = factory.user()
    unknown = f"nobody-{secrets.token_hex(4)}@example.com"
    known = client.post(REQUEST, json={"email": user.email.upper()})
    missing = client.post(REQUEST, json={"email": unknown})
    assert known.status_code == missing.status_code == 202
    assert known.json() == missing.json()
    assert "If an account exists" in known.json()["message"]
    assert len(emailed_tokens(sql, user.email, "/reset-password")) == 1
    assert sql.owner("SELECT * FROM outbox_messages WHERE to_email = %s", unknown) == []
    assert client.post(REQUEST, json={"email": "not-an-email"}).status_code == 422


def test_the_token_is_stored_hashed_and_expires_on_time(
    factory: Factory, client: httpx.Client, sql: Sql, database: Settings
) -> None:
    user = factory.user()
    token = reset_token(client, sql, user)
    (stored,) = sql.owner(
        "SELECT * FROM email_tokens WHERE user_id = %s AND purpose = 'password_reset'", user.id
    )
    assert bytes(stored["token_hash"]) == hashlib.sha256(token.encode()).digest()
    leaked = sql.owner(
        "SELECT count(*) AS n FROM email_tokens t WHERE strpos(t::text, %s) > 0", token
    )
    assert leaked == [{"n": 0}]
    expected = datetime.now(UTC) + timedelta(minutes=database.password_reset_ttl_minutes)
    assert abs(stored["expires_at"] - expected) < timedelta(minutes=5)


def test_confirm_sets_the_password_and_revokes_every_session(
    factory: Factory, client: httpx.Client, sql: Sql
) -> None:
    user = factory.user()
    second = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD})
    client.cookies.clear()
    other_token = second.json()["token"]
    ws = factory.workspace(user)
    jwt = user.post("/api/v1/auth/workspace-token", json={"workspace": str(ws["id"])})
    assert jwt.status_code == 200, jwt.text
    token = reset_token(client, sql, user)

    assert (
        client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    )
    for bearer in (user.token, other_token, jwt.json()["token"]):
        resp = client.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {bearer}"})
        assert resp.status_code == 401
    assert sql.owner("SELECT id FROM sessions WHERE user_id = %s", user.id) == []
    assert signs_in(client, user, NEW_PASSWORD)
    assert not signs_in(client, user, PASSWORD)

    reused = client.post(CONFIRM, json={"token": token, "new_password": "yet another passphrase"})
    assert reused.status_code == 422
    assert error_code(reused) == "token_used"
    assert signs_in(client, user, NEW_PASSWORD)


def test_using_one_link_voids_the_others(factory: Factory, client: httpx.Client, sql: Sql) -> None:
    user = factory.user()
    first = reset_token(client, sql, user)
    second = reset_token(client, sql, user)
    assert first != second
    assert (
        client.post(CONFIRM, json={"token": second, "new_password": NEW_PASSWORD}).status_code
        == 204
    )
    voided = client.post(CONFIRM, json={"token": first, "new_password": "yet another passphrase"})
    assert voided.status_code == 422
    assert error_code(voided) == "invalid_token"
    assert signs_in(client, user, NEW_PASSWORD)


def test_expired_unknown_and_foreign_tokens_are_refused(
    factory: Factory, client: httpx.Client, sql: Sql
) -> None:
    user = factory.user()
    token = reset_token(client, sql, user)
    sql.owner(
        "UPDATE email_tokens SET expires_at = now() - interval '1 second'"
        " WHERE user_id = %s AND purpose = 'password_reset'",
        user.id,
    )
    expired = client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    assert expired.status_code == 422
    assert error_code(expired) == "token_expired"
    unknown = client.post(CONFIRM, json={"token": "x" * 43, "new_password": NEW_PASSWORD})
    assert unknown.status_code == 422
    assert error_code(unknown) == "invalid_token"
    verification = last_token(sql, user.email, "/verify-email")
    foreign = client.post(CONFIRM, json={"token": verification, "new_password": NEW_PASSWORD})
    assert error_code(foreign) == "invalid_token"
    assert user.get("/api/v1/auth/session").status_code == 200
    assert signs_in(client, user, PASSWORD)


def test_a_weak_password_keeps_the_token_usable(
    factory: Factory, client: httpx.Client, sql: Sql
) -> None:
    user = factory.user()
    token = reset_token(client, sql, user)
    weak = client.post(CONFIRM, json={"token": token, "new_password": "short"})
    assert weak.status_code == 422
    assert error_code(weak) == "weak_password"
    assert weak.json()["error"]["details"][0]["field"] == "new_password"
    assert user.get("/api/v1/auth/session").status_code == 200
    assert (
        client.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    )


def test_the_pages_reset_a_password(factory: Factory, server: str, sql: Sql) -> None:
    user = factory.user()
    unknown = f"nobody-{secrets.token_hex(4)}@example.com"
    signed_in = Browser(server, user)
    browser = Browser(server)
    try:
        sign_in = browser.get("/sign-in")
        assert 'href="/forgot-password"' in sign_in.text
        assert browser.get("/forgot-password").status_code == 200
        answers = []
        for email in (user.email, unknown):
            resp = browser.post("/forgot-password", {"email": email})
            answers.append((redirected_to(resp), text(browser.get("/sign-in"))))
        assert answers[0] == answers[1]
        assert "If an account exists for this email" in answers[0][1]
        token = last_token(sql, user.email, "/reset-password")

        form = browser.get("/reset-password", params={"token": token})
        assert form.status_code == 200
        assert f'value="{token}"' in form.text
        weak = browser.post("/reset-password", {"token": token, "new_password": "short"})
        assert weak.status_code == 422
        assert "at least 10 characters" in text(weak)
        assert f'value="{token}"' in weak.text
        done = browser.post("/reset-password", {"token": token, "new_password": NEW_PASSWORD})
        assert redirected_to(done) == "/sign-in"
        assert "Your password is changed" in text(browser.get("/sign-in"))
        reused = browser.post("/reset-password", {"token": token, "new_password": NEW_PASSWORD})
        assert reused.status_code == 422
        assert "This link has already been used." in text(reused)
        assert redirected_to(signed_in.get("/workspaces")).startswith("/sign-in")
    finally:
        browser.close()
        signed_in.close()
