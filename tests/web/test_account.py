"""The account page: sessions and their revocation, and changing the password."""

from __future__ import annotations

import dataclasses

from tests.factories import PASSWORD, Actor, Factory
from tests.identity.emails import emailed_tokens
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text
from tests.workspaces.helpers import session_id

NEW_PASSWORD = "a much longer new passphrase 42"


def second_session(factory: Factory, actor: Actor) -> Actor:
    """The same user, signed in a second time (another session, another token)."""
    resp = factory.http.post(
        "/api/v1/auth/sign-in",
        json={"email": actor.email, "password": PASSWORD},
        headers={"User-Agent": "Second device"},
    )
    assert resp.status_code == 200, resp.text
    factory.http.cookies.clear()
    return dataclasses.replace(actor, token=resp.json()["token"])


def signed_in(browser_for: BrowserFor, actor: Actor) -> bool:
    return browser_for(actor).get("/account").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(browser_for: BrowserFor) -> None:
    anonymous = browser_for(None)
    assert redirected_to(anonymous.get("/account")) == "/sign-in?next=/account"
    assert redirected_to(anonymous.get("/invitations")) == "/sign-in?next=/invitations"
    for path in (
        "/account/sessions/revoke-others",
        "/account/password",
        "/account/sessions/0190a0a0-0000-7000-8000-000000000000/revoke",
    ):
        assert redirected_to(anonymous.post(path)) == "/sign-in?next=/", path


def test_the_account_page_lists_the_sessions(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    other = second_session(factory, user)
    page = browser_for(user).get("/account")
    assert page.status_code == 200
    shown = text(page)
    assert user.name in shown
    assert user.email in shown
    assert "Second device" in shown
    assert shown.count("This session") == 1
    assert f"/account/sessions/{session_id(other)}/revoke" in page.text
    assert f"/account/sessions/{session_id(user)}/revoke" not in page.text


def test_a_revoked_session_is_signed_out(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    other = second_session(factory, user)
    browser = browser_for(user)
    resp = browser.post(f"/account/sessions/{session_id(other)}/revoke")
    assert redirected_to(resp) == "/account"
    assert "Session revoked." in text(browser.get("/account"))
    assert redirected_to(browser_for(other).get("/account")) == "/sign-in?next=/account"
    assert signed_in(browser_for, user)


def test_another_users_session_is_the_404_page(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    victim = factory.user()
    resp = browser_for(user).post(f"/account/sessions/{session_id(victim)}/revoke")
    assert resp.status_code == 404
    assert "Page not found" in text(resp)
    assert signed_in(browser_for, victim)


def test_signing_out_other_sessions(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    others = [second_session(factory, user), second_session(factory, user)]
    resp = browser_for(user).post("/account/sessions/revoke-others")
    assert redirected_to(resp) == "/account"
    assert not any(signed_in(browser_for, other) for other in others)
    assert signed_in(browser_for, user)


def test_a_wrong_current_password_shows_inline(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    resp = browser_for(user).post(
        "/account/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert resp.status_code == 422
    assert "The current password is not correct." in text(resp)
    assert 'aria-invalid="true" aria-describedby="current_password-error"' in resp.text
    assert "not my password" not in resp.text
    signed = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    factory.http.cookies.clear()
    assert signed.status_code == 200


def test_changing_the_password_signs_out_other_sessions_unless_unticked(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    kept = second_session(factory, user)
    browser = browser_for(user)
    form = browser.get("/account")
    assert 'name="revoke_other_sessions" type="checkbox" value="true" checked' in form.text
    unticked = browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "revoke_other_sessions": "false",
        },
    )
    assert redirected_to(unticked) == "/account"
    assert signed_in(browser_for, kept)
    ticked = browser.post(
        "/account/password",
        {
            "current_password": NEW_PASSWORD,
            "new_password": PASSWORD,
            "revoke_other_sessions": ["false", "true"],
        },
    )
    assert redirected_to(ticked) == "/account"
    assert "Password changed." in text(browser.get("/account"))
    assert not signed_in(browser_for, kept)
    assert signed_in(browser_for, user)


def test_an_unverified_address_can_ask_for_a_new_link(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user(verified=False)
    browser = browser_for(user)
    assert "not verified yet" in text(browser.get("/account"))
    before = len(emailed_tokens(factory.sql, user.email, "/verify-email"))
    resp = browser.post("/account/verification")
    assert "A new verification link is on its way" in text(browser.get(redirected_to(resp)))
    tokens = emailed_tokens(factory.sql, user.email, "/verify-email")
    assert len(tokens) == before + 1
    verified = factory.http.post("/api/v1/auth/verify-email", json={"token": tokens[-1]})
    assert verified.status_code == 204, verified.text
    page = text(browser.get("/account"))
    assert "Your email address is verified." in page
    again = browser.post("/account/verification")
    assert "already verified" in text(browser.get(redirected_to(again)))
