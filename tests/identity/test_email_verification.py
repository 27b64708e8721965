"""Email verification: the emailed single-use link, over the API and the pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx

from atlas.config import Settings
from tests.factories import Actor, Factory
from tests.identity.emails import emailed_tokens, last_token
from tests.sql import Sql
from tests.web.helpers import Browser, redirected_to, text

VERIFY = "/api/v1/auth/verify-email"


def verified(actor: Actor) -> bool:
    resp = actor.get("/api/v1/auth/session")
    assert resp.status_code == 200, resp.text
    return bool(resp.json()["user"]["email_verified"])


def error_code(resp: httpx.Response) -> str:
    return str(resp.json()["error"]["code"])


def test_sign_up_emails_a_link_whose_token_is_stored_hashed(
    factory: Factory, sql: Sql, database: Settings
) -> None:
    user = factory.user(verified=False)
    (message,) = sql.owner("SELECT * FROM outbox_messages WHERE to_email = %s", user.email)
    assert message["workspace_id"] is None
    assert message["sent_at"] is None
    token = last_token(sql, user.email, "/verify-email")
    assert f"{database.public_url}/verify-email?token={token}" in message["body"]

    (stored,) = sql.owner("SELECT * FROM email_tokens WHERE user_id = %s", user.id)
    assert stored["purpose"] == "verify_email"
    assert bytes(stored["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert token not in repr(stored)
    leaked = sql.owner(
        "SELECT count(*) AS n FROM email_tokens t WHERE strpos(t::text, %s) > 0", token
    )
    assert leaked == [{"n": 0}]
    expected = datetime.now(UTC) + timedelta(hours=database.email_verification_ttl_hours)
    assert abs(stored["expires_at"] - expected) < timedelta(minutes=5)
    assert stored["used_at"] is None


def test_the_token_verifies_the_email_once(factory: Factory, client: httpx.Client) -> None:
    user = factory.user(verified=False)
    assert not verified(user)
    token = last_token(factory.sql, user.email, "/verify-email")
    assert client.post(VERIFY, json={"token": token}).status_code == 200
    assert verified(user)
    client.cookies.clear()  # the link signed in; the next call is anonymous again
    again = client.post(VERIFY, json={"token": token})
    assert again.status_code == 422
    assert error_code(again) == "token_used"
    assert again.json()["error"]["details"][0]["field"] == "token"


def test_an_expired_or_unknown_token_is_refused(factory: Factory, client: httpx.Client) -> None:
    user = factory.user(verified=False)
    token = last_token(factory.sql, user.email, "/verify-email")
    factory.sql.owner(
        "UPDATE email_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = %s",
        user.id,
    )
    expired = client.post(VERIFY, json={"token": token})
    assert expired.status_code == 422
    assert error_code(expired) == "token_expired"
    assert not verified(user)
    unknown = client.post(VERIFY, json={"token": token + "x"})
    assert unknown.status_code == 422
    assert error_code(unknown) == "invalid_token"
    assert client.post(VERIFY, json={"token": ""}).status_code == 422


def test_a_reset_token_does_not_verify_an_email(factory: Factory, client: httpx.Client) -> None:
    user = factory.user(verified=False)
    reset = client.post("/api/v1/auth/password-reset/request", json={"email": user.email})
    assert reset.status_code == 202
    token = last_token(factory.sql, user.email, "/reset-password")
    refused = client.post(VERIFY, json={"token": token})
    assert refused.status_code == 422
    assert error_code(refused) == "invalid_token"
    assert not verified(user)


def test_resend_replaces_the_link_and_needs_a_session(
    factory: Factory, client: httpx.Client
) -> None:
    user = factory.user(verified=False)
    first = last_token(factory.sql, user.email, "/verify-email")
    assert client.post("/api/v1/auth/resend-verification").status_code == 401
    resent = user.post("/api/v1/auth/resend-verification")
    assert resent.status_code == 202, resent.text
    tokens = emailed_tokens(factory.sql, user.email, "/verify-email")
    assert len(tokens) == 2
    assert tokens[0] == first
    replaced = client.post(VERIFY, json={"token": first})
    assert replaced.status_code == 422
    assert error_code(replaced) == "invalid_token"
    assert client.post(VERIFY, json={"token": tokens[1]}).status_code == 200
    assert verified(user)
    done = user.post("/api/v1/auth/resend-verification")
    assert done.status_code == 409
    assert error_code(done) == "email_already_verified"


def test_the_verify_page_asks_for_a_click_then_verifies(factory: Factory, server: str) -> None:
    user = factory.user(verified=False)
    token = last_token(factory.sql, user.email, "/verify-email")
    browser = Browser(server)
    try:
        page = browser.get("/verify-email", params={"token": token})
        assert page.status_code == 200
        assert f'value="{token}"' in page.text
        assert not verified(user)  # opening the link does not use it
        verifying = browser.post("/verify-email", {"token": token})
        assert redirected_to(verifying) == "/"
        assert verifying.cookies.get("atlas_session")
        assert verified(user)
        assert "Your email address is verified." in text(browser.get("/account"))
        again = browser.post("/verify-email", {"token": token})
        assert again.status_code == 422
        assert "This link has already been used." in text(again)
        assert browser.post("/verify-email", {"token": token}, csrf=False).status_code == 403
    finally:
        browser.close()
