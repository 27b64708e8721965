"""The two-factor pages over real HTTP: set-up from the account page (QR code, key,
backup codes shown once), the code page at sign-in, turning it off, and the sessions
table saying how each session was opened."""

from __future__ import annotations

import re
from html import unescape

import httpx

from tests.factories import PASSWORD, Factory
from tests.identity.authenticator import for_the_test_server, register_passkey
from tests.identity.two_factor_helpers import App, app_of, turn_on
from tests.web.conftest import BrowserFor
from tests.web.helpers import field_error, redirected_to, text


def _challenge(html: str) -> str:
    match = re.search(r'name="challenge" value="([^"]+)"', html)
    assert match, html[:2000]
    return unescape(match.group(1))


def _key(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)
    assert match, html[:2000]
    return match.group(1)


def test_set_up_from_the_account_page(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    browser = browser_for(user)
    account = browser.get("/account")
    assert "Off: your password alone signs you in." in text(account)

    wrong = browser.post("/account/two-factor/setup", {"password": "not my password"})
    assert wrong.status_code == 422
    assert field_error(wrong.text, "password") == "The password is not correct."

    setup = browser.post("/account/two-factor/setup", {"password": PASSWORD})
    assert setup.status_code == 200
    assert "<svg" in setup.text
    app: App = app_of({"secret": _key(setup.text)})

    bad = browser.post("/account/two-factor/enable", {"code": "12345"})
    assert bad.status_code == 422
    assert field_error(bad.text, "code") == "The code is not correct, or it was used already."
    assert _key(bad.text) == _key(setup.text)  # the same secret, shown again

    done = browser.post("/account/two-factor/enable", {"code": app.code()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    account = browser.get("/account")
    assert "10 backup codes left." in text(account)
    assert "Password and app code" in text(account)  # this session


def test_signing_in_asks_for_the_code(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    browser = browser_for(None)
    step = browser.post("/sign-in", {"email": user.email, "password": PASSWORD, "next": "/account"})
    assert step.status_code == 200
    assert "Enter your code" in text(step)
    assert "atlas_session" not in step.headers.get("set-cookie", "")
    challenge = _challenge(step.text)

    wrong = browser.post(
        "/sign-in/two-factor", {"challenge": challenge, "code": "AAAAA-AAAAA", "next": "/account"}
    )
    assert wrong.status_code == 401
    assert field_error(wrong.text, "code") == "The code is not correct, or it was used already."

    right = browser.post(
        "/sign-in/two-factor", {"challenge": challenge, "code": codes[0], "next": "/account"}
    )
    assert redirected_to(right) == "/account"
    account = browser.get("/account")
    assert account.status_code == 200
    assert "Password and backup code" in text(account)
    assert "9 backup codes left." in text(account)


def test_a_spent_challenge_asks_for_the_password_again(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    turn_on(user)
    browser = browser_for(None)
    step = browser.post("/sign-in", {"email": user.email, "password": PASSWORD})
    challenge = _challenge(step.text)
    for _ in range(5):
        browser.post("/sign-in/two-factor", {"challenge": challenge, "code": "AAAAA-AAAAA"})
    spent = browser.post("/sign-in/two-factor", {"challenge": challenge, "code": "AAAAA-AAAAA"})
    assert spent.status_code == 401
    assert "This sign-in has expired; enter your email and password again." in text(spent)
    assert 'name="password"' in spent.text


def test_turning_it_off_from_the_account_page(factory: Factory, browser_for: BrowserFor) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    browser = browser_for(user)
    wrong = browser.post(
        "/account/two-factor/disable", {"password": PASSWORD, "code": "AAAAA-AAAAA"}
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "code") == "The code is not correct, or it was used already."
    new = browser.post("/account/two-factor/backup-codes", {"password": PASSWORD, "code": codes[0]})
    assert new.status_code == 200
    fresh = re.findall(r"<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>", new.text)
    assert len(fresh) == 10
    off = browser.post("/account/two-factor/disable", {"password": PASSWORD, "code": fresh[0]})
    assert redirected_to(off) == "/account#two-factor"
    assert "Off: your password alone signs you in." in text(browser.get("/account"))


def test_the_workspace_security_page(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    admin = factory.member(ws, "admin")
    url = f"/w/{ws['slug']}/settings/security"

    assert redirected_to(browser_for(None).get(url)).startswith("/sign-in")
    assert browser_for(factory.user()).get(url).status_code == 404
    as_member = browser_for(member)
    shown = as_member.get(url)
    assert shown.status_code == 200
    assert "Not required" in text(shown)
    assert member.email in text(shown)
    assert "Only an owner may change this." in text(shown)
    assert as_member.post(url, {"required": "true"}).status_code == 403
    as_admin = browser_for(admin).post(url, {"required": "true"})
    assert as_admin.status_code == 403
    assert "Only an owner may change the two-factor policy." in text(as_admin)

    browser = browser_for(owner)
    refused = browser.post(url, {"required": "true"})
    assert refused.status_code == 409
    assert "Turn on two-factor authentication (or add a passkey) for your own account" in text(
        refused
    )
    turn_on(owner)
    done = browser.post(url, {"required": "true"})
    assert redirected_to(done) == url
    page = browser.get(url)
    assert "Locked out until they turn it on" in text(page)
    assert member.email in text(page)
    assert owner.email not in page.text.split('id="without-two-factor"')[1]
    # The member's next page in the workspace is refused, with the way in.
    refused_page = as_member.get(f"/w/{ws['slug']}/")
    assert refused_page.status_code == 403
    assert 'href="/account#two-factor"' in refused_page.text


def test_api_keys_from_the_security_page(
    factory: Factory, browser_for: BrowserFor, client: httpx.Client
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    url = f"/w/{ws['slug']}/settings/security"
    assert 'id="api-keys"' not in browser_for(member).get(url).text
    refused = browser_for(member).post(
        f"/w/{ws['slug']}/settings/api-keys", {"name": "Mine", "role": "viewer"}
    )
    assert refused.status_code == 403

    browser = browser_for(owner)
    bad = browser.post(
        f"/w/{ws['slug']}/settings/api-keys",
        {"name": "Nightly", "role": "viewer", "expires_in_days": "366"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "expires_in_days")
    made = browser.post(
        f"/w/{ws['slug']}/settings/api-keys",
        {"name": "Nightly export", "role": "viewer", "expires_in_days": "30"},
    )
    assert made.status_code == 200
    match = re.search(r'<code id="api-key-secret" class="secret">(atl_[^<]+)</code>', made.text)
    assert match
    secret = match.group(1)
    assert (
        client.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    listed = browser.get(url)
    assert "Nightly export" in text(listed)
    assert secret not in listed.text
    row = re.search(r'id="api-key-([0-9a-f-]{36})"', listed.text)
    assert row
    key_id = row.group(1)
    revoked = browser.post(f"/w/{ws['slug']}/settings/api-keys/{key_id}/revoke")
    assert redirected_to(revoked) == url
    assert (
        client.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_passkeys_are_listed_renamed_and_removed_on_the_account_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user, other = factory.user(), factory.user()
    passkey = register_passkey(user, for_the_test_server()).json()
    browser = browser_for(user)
    page = browser.get("/account")
    assert f'id="passkey-{passkey["id"]}"' in page.text
    assert 'value="Laptop"' in page.text
    url = f"/account/passkeys/{passkey['id']}"
    assert browser_for(other).post(f"{url}/rename", {"name": "Mine"}).status_code == 404
    assert browser_for(other).post(f"{url}/remove").status_code == 404
    empty = browser.post(f"{url}/rename", {"name": "   "})
    assert redirected_to(empty) == "/account#passkeys"
    assert 'value="Laptop"' in browser.get("/account").text
    renamed = browser.post(f"{url}/rename", {"name": "Work phone"})
    assert redirected_to(renamed) == "/account#passkeys"
    assert 'value="Work phone"' in browser.get("/account").text
    removed = browser.post(f"{url}/remove")
    assert redirected_to(removed) == "/account#passkeys"
    assert 'id="passkey-list"' not in browser.get("/account").text
