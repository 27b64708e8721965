"""In a real browser, with Chromium's virtual authenticator (user verification on): add a
passkey on the account page, sign out, sign in with the passkey alone, remove it.

WebAuthn takes no IP address as its site, so this test serves the app on
http://localhost:<port>, with ATLAS_PUBLIC_URL saying so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from atlas.app import create_app
from atlas.config import Settings
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, Factory
from tests.process import free_port, serve_app


@pytest.fixture
def localhost(database: Settings) -> Iterator[str]:
    port = free_port()
    base = f"http://localhost:{port}"
    app = create_app(database.model_copy(update={"public_url": base}))
    with serve_app(app, port=port):
        yield base


def virtual_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_add_sign_in_with_and_remove_a_passkey(
    chromium: Browser, localhost: str, factory: Factory
) -> None:
    user = factory.user(name="Passkey User")
    context = chromium.new_context(base_url=localhost, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    virtual_authenticator(page)
    try:
        page.goto("/sign-in")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.goto("/account")
        page.get_by_label("Name of the new passkey").fill("Virtual key")
        page.get_by_role("button", name="Add a passkey").click()
        passkeys = page.locator("#passkey-list")
        expect(passkeys.get_by_role("cell", name="Virtual key")).to_be_visible()
        shot(page, "passkey-added")

        page.locator("#user-menu summary").click()
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page).to_have_url(f"{localhost}/sign-in")
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(page.locator("h1")).not_to_have_text("Sign in")
        page.goto("/account")
        sessions = page.locator("#sessions")
        expect(sessions.get_by_text("Passkey,")).to_be_visible()

        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("#passkey-list").get_by_role("button", name="Remove").click()
        expect(page.locator("#passkey-list")).to_have_count(0)
    finally:
        context.close()
