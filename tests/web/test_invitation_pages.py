"""The invitee's pages: the emailed link accepts for the invited, verified address only."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.factories import PASSWORD, Factory
from tests.identity.emails import last_token
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, redirected_to, text
from tests.workspaces.helpers import invitation_row, invite, role_of, tag

LINK = "/invitations/accept"


def link(factory: Factory, email: str) -> str:
    return f"{LINK}?token={last_token(factory.sql, email, LINK)}"


def unchanged(factory: Factory, ws: dict[str, Any], inv: dict[str, Any]) -> bool:
    members = factory.sql.owner(
        "SELECT count(*) AS n FROM workspace_members WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )
    return members == [{"n": 1}] and invitation_row(factory, ws, inv["id"])["status"] == "pending"


def test_following_the_link_signed_in_accepts(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    invite(owner, ws, invitee.email, "admin")
    url = link(factory, invitee.email)
    browser = browser_for(invitee)

    assert redirected_to(browser.get(url)) == f"/w/{ws['slug']}/"
    assert role_of(factory, ws, invitee) == "admin"
    assert f"Welcome to {ws['name']}" in text(browser.get(f"/w/{ws['slug']}/"))
    again = browser.get(url)
    assert again.status_code == 404
    assert "cannot be used" in text(again)
    assert invitee.email in text(again)


def test_signed_out_the_link_goes_through_sign_in_and_back(factory: Factory, server: str) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    invite(owner, ws, invitee.email)
    url = link(factory, invitee.email)
    browser = Browser(server)
    try:
        to_sign_in = redirected_to(browser.get(url))
        assert urlsplit(to_sign_in).path == "/sign-in"
        target = parse_qs(urlsplit(to_sign_in).query)["next"][0]
        assert target == url
        assert role_of(factory, ws, invitee) is None
        signed_in = browser.post(
            "/sign-in", {"email": invitee.email, "password": PASSWORD, "next": target}
        )
        assert redirected_to(signed_in) == url
        assert redirected_to(browser.get(url)) == f"/w/{ws['slug']}/"
        assert role_of(factory, ws, invitee) == "member"
    finally:
        browser.close()


def test_the_link_signed_in_as_another_address_changes_nothing(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    inv = invite(owner, ws, f"invited-{tag()}@example.com")
    other = factory.user()
    page = browser_for(other).get(link(factory, inv["email"]))
    assert page.status_code == 404
    shown = text(page)
    assert other.email in shown
    assert "Sign in with the address the invitation was sent to" in shown
    assert inv["email"] not in shown
    assert ws["name"] not in shown
    assert unchanged(factory, ws, inv)


def test_an_unverified_address_is_told_to_verify_first(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"new.hire-{tag()}@acme.example"
    inv = invite(owner, ws, email)
    stranger = factory.user(email=email, verified=False)
    browser = browser_for(stranger)

    page = browser.get(link(factory, email))
    assert page.status_code == 403
    assert "Verify your email address first" in text(page)
    assert 'href="/account"' in page.text
    listing = browser.get("/invitations")
    assert listing.status_code == 403
    assert "Verify your email address first" in text(listing)
    assert ws["name"] not in text(listing)
    assert browser.get(f"/invitations/{inv['id']}").status_code == 403
    for action in ("accept", "decline"):
        refused = browser.post(f"/invitations/{inv['id']}/{action}")
        assert refused.status_code == 403, action
    picker = browser.get("/workspaces")
    assert picker.status_code == 200
    assert "pending invitation" not in text(picker)
    assert unchanged(factory, ws, inv)
