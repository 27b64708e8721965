"""CSRF: a request authenticated by the session cookie, to the API or a page, must carry
the token bound to that session and come from this site; bearer calls need none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.factories import PASSWORD, Actor, Factory
from tests.finance.helpers import new_customer, new_invoice
from tests.web.helpers import Browser, form_token, redirected_to, text

EVIL = "https://evil.example"
CookieClient = Callable[..., httpx.Client]


def error_code(resp: httpx.Response) -> str:
    code: str = resp.json()["error"]["code"]
    return code


@pytest.fixture
def cookie_clients(server: str) -> Iterator[list[httpx.Client]]:
    """HTTP clients holding cookies only, as browsers do; closed after the test."""
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


@pytest.fixture
def cookie_client(server: str, cookie_clients: list[httpx.Client]) -> CookieClient:
    """`cookie_client(session_token, **more_cookies)`: a browser on our site, signed in by
    the cookie, sending our Origin."""

    def make(session_token: str, **cookies: str) -> httpx.Client:
        client = httpx.Client(
            base_url=server,
            cookies={"atlas_session": session_token, **cookies},
            headers={"Origin": server},
            timeout=30,
        )
        cookie_clients.append(client)
        return client

    return make


def second_session(factory: Factory, user: Actor) -> str:
    """Another session of `user` (signs in again; the cookie it sets is not kept)."""
    with httpx.Client(base_url=factory.base_url, timeout=30) as http:
        resp = http.post("/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        token: str = resp.json()["token"]
        return token


def draft_invoice(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    owner = factory.user()
    ws = factory.workspace(owner)
    return owner, ws, new_invoice(owner, ws, new_customer(owner, ws))


def test_cookie_only_api_writes_are_refused(factory: Factory, cookie_client: CookieClient) -> None:
    owner, ws, invoice = draft_invoice(factory)
    other = second_session(factory, owner)
    browser = cookie_client(owner.token)
    issued = browser.post(
        f"/api/v1/invoices/{invoice['id']}/issue", headers={"X-Workspace-Id": str(ws["id"])}
    )
    assert issued.status_code == 403, issued.text
    assert error_code(issued) == "csrf_failed"
    assert "X-CSRF-Token" in issued.json()["error"]["message"]
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "draft"

    revoked = browser.post("/api/v1/auth/sessions/revoke-others")
    assert revoked.status_code == 403, revoked.text
    assert error_code(revoked) == "csrf_failed"
    still = httpx.get(
        f"{factory.base_url}/api/v1/auth/session", headers={"Authorization": f"Bearer {other}"}
    )
    assert still.status_code == 200
    for method, path in (
        ("POST", "/api/v1/auth/sign-out"),
        ("DELETE", f"/api/v1/auth/sessions/{still.json()['session']['id']}"),
        ("POST", "/api/v1/workspaces"),
        ("PATCH", f"/api/v1/workspaces/{ws['id']}"),
        # A route without the guard is cookie-authenticated too when the cookie comes along.
        ("POST", "/api/v1/auth/sign-in"),
    ):
        resp = browser.request(method, path, json={"name": "Sneaky"})
        assert (resp.status_code, error_code(resp)) == (403, "csrf_failed"), (method, path)
    assert browser.get("/api/v1/auth/session").status_code == 200  # reads need no token


def test_an_ended_session_cookie_does_not_lock_the_browser_out(
    factory: Factory, cookie_client: CookieClient
) -> None:
    """The cookie is HttpOnly: a script cannot drop an ended session's cookie, so it gets
    that cookie's token and signs in again with it."""
    user = factory.user()
    ended = second_session(factory, user)
    browser = cookie_client(ended)
    assert user.post("/api/v1/auth/sessions/revoke-others").status_code == 204
    assert error_code(browser.get("/api/v1/auth/session")) == "invalid_session"
    token = browser.get("/api/v1/auth/csrf-token").json()["csrf_token"]
    body = {"email": user.email, "password": PASSWORD}
    refused = browser.post("/api/v1/auth/sign-in", json=body)
    assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")
    signed_in = browser.post("/api/v1/auth/sign-in", json=body, headers={"X-CSRF-Token": token})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.cookies["atlas_session"] == signed_in.json()["token"]


def test_cookie_api_writes_work_with_the_session_token_and_origin(
    factory: Factory, cookie_client: CookieClient
) -> None:
    owner, ws, invoice = draft_invoice(factory)
    other = second_session(factory, owner)
    browser = cookie_client(owner.token)
    token = form_token(browser.get("/account"))
    assert browser.get("/api/v1/auth/csrf-token").json() == {"csrf_token": token}
    headers = {"X-CSRF-Token": token, "X-Workspace-Id": str(ws["id"])}
    issued = browser.post(f"/api/v1/invoices/{invoice['id']}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    revoked = browser.post("/api/v1/auth/sessions/revoke-others", headers=headers)
    assert revoked.status_code == 204, revoked.text
    gone = httpx.get(
        f"{factory.base_url}/api/v1/auth/session", headers={"Authorization": f"Bearer {other}"}
    )
    assert error_code(gone) == "invalid_session"
    # Without an Origin header (older browsers, same-origin form posts) the token suffices.
    del browser.headers["Origin"]
    signed_out = browser.post("/api/v1/auth/sign-out", headers=headers)
    assert signed_out.status_code == 204, signed_out.text


def test_bearer_calls_need_no_csrf_token(factory: Factory, server: str) -> None:
    owner, ws, invoice = draft_invoice(factory)
    # A cookie alongside does not matter: the Authorization header says who is calling.
    issued = owner.post(
        f"/api/v1/invoices/{invoice['id']}/issue",
        ws=ws,
        headers={"Cookie": f"atlas_session={owner.token}", "Origin": EVIL},
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert owner.post("/api/v1/auth/sessions/revoke-others").status_code == 204
    with httpx.Client(base_url=server, timeout=30) as anonymous:
        signed_in = anonymous.post(
            "/api/v1/auth/sign-in", json={"email": owner.email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["token"]
        assert anonymous.get("/api/v1/auth/csrf-token").json()["csrf_token"]
        assert owner.get("/api/v1/auth/csrf-token").json() == {"csrf_token": None}


def test_another_origin_is_refused(factory: Factory, cookie_client: CookieClient) -> None:
    owner, ws, invoice = draft_invoice(factory)
    browser = cookie_client(owner.token)
    token = form_token(browser.get("/account"))
    for origin in (EVIL, "null", f"http://sub.{browser.base_url.host}"):
        resp = browser.post(
            f"/api/v1/invoices/{invoice['id']}/issue",
            headers={"X-CSRF-Token": token, "X-Workspace-Id": str(ws["id"]), "Origin": origin},
        )
        assert (resp.status_code, error_code(resp)) == (403, "csrf_failed"), origin
        form = {"name": "Sneaky", "csrf_token": token}
        page = browser.post("/workspaces/new", data=form, headers={"Origin": origin})
        assert page.status_code == 403, origin
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "draft"
    assert factory.sql.owner("SELECT 1 FROM workspaces WHERE name = 'Sneaky'") == []


def test_a_planted_cookie_and_token_pair_is_refused(
    factory: Factory, server: str, cookie_client: CookieClient
) -> None:
    """A sibling subdomain can set cookies for us: its own `atlas_csrf` and the same value
    as the token must not pass, signed in or not."""
    owner, ws, invoice = draft_invoice(factory)
    planted = "attacker-chosen-token-value"
    browser = cookie_client(owner.token, atlas_csrf=planted)
    page = browser.post("/workspaces/new", data={"name": "Sneaky", "csrf_token": planted})
    assert page.status_code == 403
    assert "did not come from this site" in text(page)
    api = browser.post(
        f"/api/v1/invoices/{invoice['id']}/issue",
        headers={"X-CSRF-Token": planted, "X-Workspace-Id": str(ws["id"])},
    )
    assert (api.status_code, error_code(api)) == (403, "csrf_failed")
    assert owner.get(f"/api/v1/invoices/{invoice['id']}", ws=ws).json()["status"] == "draft"
    odd = browser.post("/workspaces/new", data={"name": "Sneaky", "csrf_token": "tökén"})
    assert odd.status_code == 403
    odd_api = browser.post(
        "/api/v1/auth/sign-out", headers={"X-CSRF-Token": "tökén".encode("latin-1")}
    )
    assert (odd_api.status_code, error_code(odd_api)) == (403, "csrf_failed")
    assert factory.sql.owner("SELECT 1 FROM workspaces WHERE name = 'Sneaky'") == []

    with httpx.Client(base_url=server, cookies={"atlas_csrf": planted}, timeout=30) as anonymous:
        sign_in = anonymous.post(
            "/sign-in",
            data={"email": owner.email, "password": PASSWORD, "csrf_token": planted},
        )
        assert sign_in.status_code == 403
        assert "atlas_session" not in sign_in.cookies


def test_a_token_of_one_session_does_not_work_for_another(
    factory: Factory, server: str, cookie_client: CookieClient
) -> None:
    owner, ws, invoice = draft_invoice(factory)
    token_a = form_token(cookie_client(owner.token).get("/account"))
    session_b = cookie_client(second_session(factory, owner))
    token_b = form_token(session_b.get("/account"))
    assert token_a != token_b
    refused = session_b.post(
        f"/api/v1/invoices/{invoice['id']}/issue",
        headers={"X-CSRF-Token": token_a, "X-Workspace-Id": str(ws["id"])},
    )
    assert (refused.status_code, error_code(refused)) == (403, "csrf_failed")
    page = session_b.post("/workspaces/new", data={"name": "Sneaky", "csrf_token": token_a})
    assert page.status_code == 403
    assert factory.sql.owner("SELECT 1 FROM workspaces WHERE name = 'Sneaky'") == []
    # The signed-out token of a sign-in page is no good once signed in, and the reverse.
    anonymous = Browser(server)
    try:
        signed_out_token = anonymous.csrf
        resp = session_b.post(
            "/api/v1/auth/sessions/revoke-others", headers={"X-CSRF-Token": signed_out_token}
        )
        assert (resp.status_code, error_code(resp)) == (403, "csrf_failed")
        sign_in = anonymous.http.post(
            "/sign-in", data={"email": owner.email, "password": PASSWORD, "csrf_token": token_b}
        )
        assert sign_in.status_code == 403
    finally:
        anonymous.close()
    issued = session_b.post(
        f"/api/v1/invoices/{invoice['id']}/issue",
        headers={"X-CSRF-Token": token_b, "X-Workspace-Id": str(ws["id"])},
    )
    assert issued.status_code == 200, issued.text


def test_the_sign_in_form_works_with_its_token_and_the_next_page_has_a_new_one(
    factory: Factory, server: str
) -> None:
    owner = factory.user()
    browser = Browser(server)
    try:
        signed_out = browser.csrf
        resp = browser.post("/sign-in", {"email": owner.email, "password": PASSWORD})
        assert redirected_to(resp) == "/"
        assert browser.csrf != signed_out
        created = browser.post("/workspaces/new", {"name": "After sign-in"})
        assert redirected_to(created).startswith("/w/after-sign-in")
    finally:
        browser.close()
