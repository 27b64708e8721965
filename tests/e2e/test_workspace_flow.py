"""In a real browser: sign up and follow the emailed link, create a workspace, invite,
accept, switch workspaces."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import PASSWORD, Factory
from tests.identity.emails import last_token

NewContext = Callable[[], BrowserContext]


def test_sign_up_invite_accept_and_switch_workspaces(
    factory: Factory, new_context: NewContext
) -> None:
    tag = secrets.token_hex(3)
    founder = new_context().new_page()
    founder.goto("/sign-up")
    founder.get_by_label("Your name").fill("Fran Founder")
    founder.get_by_label("Email").fill(f"fran-{tag}@example.com")
    founder.get_by_label("Password").fill(PASSWORD)
    founder.locator("main").get_by_role("button", name="Sign up").click()
    expect(founder.get_by_role("heading", name="Check your inbox")).to_be_visible()
    token = last_token(factory.sql, f"fran-{tag}@example.com", "/verify-email")
    founder.goto(f"/verify-email?token={token}")
    founder.get_by_role("button", name="Verify my email address").click()
    expect(founder.get_by_text("Your email address is verified.")).to_be_visible()
    founder.get_by_role("button", name="+ New workspace").click()
    expect(founder.get_by_role("heading", name="New workspace")).to_be_visible()
    founder.get_by_label("Name").fill(f"Flow {tag}")
    founder.get_by_role("button", name="Create workspace").click()
    expect(founder.get_by_role("heading", level=1)).to_have_text(f"Flow {tag}")
    expect(founder.get_by_text(f"Workspace Flow {tag} created.")).to_be_visible()
    shot(founder, "01-workspace-created")

    invitee = factory.user(name="Ivy Invitee")
    home = factory.workspace(invitee, name=f"Ivy Home {tag}")
    founder.get_by_role("link", name="Settings").click()
    founder.get_by_role("link", name="Invitations").first.click()
    founder.get_by_label("Email").fill(invitee.email)
    founder.get_by_label("Role").select_option("member")
    founder.get_by_role("button", name="Send invitation").click()
    expect(founder.get_by_role("cell", name=invitee.email)).to_be_visible()
    shot(founder, "02-invitation-sent")

    guest = new_context().new_page()
    sign_in(guest, invitee.email)
    guest.goto("/invitations")
    expect(guest.get_by_text(f"Flow {tag}").first).to_be_visible()
    guest.get_by_role("button", name="Accept").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text(f"Flow {tag}")
    expect(guest.get_by_text("you are member")).to_be_visible()
    shot(guest, "03-invitation-accepted")

    guest.locator("#workspace-switcher summary").click()
    guest.locator("#workspace-switcher").get_by_role("link", name=f"Ivy Home {tag}").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text(home["name"])
    assert guest.url.endswith(f"/w/{home['slug']}/")
    shot(guest, "04-switched-workspace")


def test_the_keyboard_focus_is_always_visible(factory: Factory, new_context: NewContext) -> None:
    page = new_context().new_page()
    page.goto("/sign-in")
    for _ in range(4):  # the skip link, the brand, the header's links, the first field
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert outline[0] == "solid"
        assert outline[1] >= 2
