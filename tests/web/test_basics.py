"""The frame every page shares: sign-in, CSRF, headers, escaping, access and error pages."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import httpx

from atlas.web.api_docs import SWAGGER_UI
from atlas.web.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, Factory
from tests.identity.emails import last_token
from tests.web.conftest import BrowserFor
from tests.web.helpers import form_token, redirected_to, text


def test_anonymous_visitors_are_sent_to_sign_in_and_back(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    anonymous = browser_for(None)
    assert redirected_to(anonymous.get("/")) == "/sign-in"
    assert redirected_to(anonymous.get(f"/w/{ws['slug']}/")) == f"/sign-in?next=/w/{ws['slug']}/"
    resp = anonymous.post(
        "/sign-in", {"email": owner.email, "password": PASSWORD, "next": f"/w/{ws['slug']}/"}
    )
    assert redirected_to(resp) == f"/w/{ws['slug']}/"
    session = resp.cookies.get("atlas_session")
    assert session
    anonymous.http.cookies.set("atlas_session", session)
    signed_in = anonymous.get(f"/w/{ws['slug']}/")
    assert signed_in.status_code == 200
    assert ws["name"] in text(signed_in)


def test_sign_in_errors_show_on_the_form_and_keep_the_email(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    resp = browser_for(None).post("/sign-in", {"email": owner.email, "password": "wrong-password"})
    assert resp.status_code == 401  # the API's status, with the form shown again
    page = text(resp)
    assert "The email or the password is not correct." in page
    assert f'value="{owner.email}"' in resp.text
    assert "wrong-password" not in resp.text
    missing = browser_for(None).post("/sign-in", {"email": "not-an-email"})
    assert missing.status_code == 422
    assert 'aria-invalid="true"' in missing.text


def test_a_redirect_target_must_be_local(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    resp = browser_for(None).post(
        "/sign-in", {"email": owner.email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert redirected_to(resp) == "/"


def test_sign_up_sends_to_the_inbox_whose_link_signs_in(
    factory: Factory, browser_for: BrowserFor
) -> None:
    browser = browser_for(None)
    resp = browser.post(
        "/sign-up", {"name": "Nadia", "email": "nadia-web@example.com", "password": PASSWORD}
    )
    assert resp.status_code == 200
    assert "Check your inbox" in text(resp)
    assert not resp.cookies.get("atlas_session")
    token = last_token(factory.sql, "nadia-web@example.com", "/verify-email")
    verified = browser.post("/verify-email", {"token": token})
    assert redirected_to(verified) == "/"
    assert verified.cookies.get("atlas_session")
    assert redirected_to(browser.get("/")) == "/workspaces"
    short = browser_for(None).post(
        "/sign-up", {"name": "N", "email": "n-web@example.com", "password": "short"}
    )
    assert short.status_code == 422
    assert "password" in text(short).lower()


def test_forms_without_the_csrf_token_are_refused(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    browser = browser_for(owner)
    resp = browser.post("/workspaces/new", {"name": "Sneaky"}, csrf=False)
    assert resp.status_code == 403
    assert "did not come from this site" in text(resp)
    wrong = browser.http.post(
        "/workspaces/new", data={"name": "Sneaky", "csrf_token": "forged-token-value"}
    )
    assert wrong.status_code == 403
    cross_site = browser.post(
        "/workspaces/new", {"name": "Sneaky"}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    rows = factory.sql.owner("SELECT 1 FROM workspaces WHERE name = 'Sneaky'")
    assert rows == []


def test_htmx_requests_may_send_the_token_in_a_header(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    browser = browser_for(owner)
    resp = browser.http.post(
        "/workspaces/new",
        data={"name": "By header"},
        headers={"X-CSRF-Token": browser.csrf, "HX-Request": "true"},
    )
    assert resp.status_code == 200
    assert resp.headers["HX-Redirect"].startswith("/w/by-header")


def test_pages_carry_the_security_headers_and_set_a_csrf_cookie(server: str) -> None:
    resp = httpx.get(f"{server}/sign-in")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "same-origin"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("atlas_csrf=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    cookie_value = cookie.split(";")[0].split("=", 1)[1]
    assert form_token(resp)  # the forms carry a token made from the cookie, not the cookie
    assert cookie_value not in resp.text


def test_names_are_escaped_everywhere(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    payload = "<script>alert(1)</script>"
    ws = factory.workspace(owner, name=payload)
    resp = browser_for(owner).get(f"/w/{ws['slug']}/")
    assert resp.status_code == 200
    assert payload not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text


def test_another_workspace_answers_the_404_page(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    factory.workspace(owner)
    other = factory.workspace(factory.user())
    browser = browser_for(owner)
    for ref in (other["slug"], str(other["id"]), "no-such-workspace"):
        resp = browser.get(f"/w/{ref}/")
        assert resp.status_code == 404
        assert "Page not found" in text(resp)
        assert other["name"] not in resp.text


def test_the_workspace_list_and_creation(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    listing = browser.get("/workspaces")
    assert ws["name"] in text(listing)
    invalid = browser.post("/workspaces/new", {"name": "X", "base_currency": "euro"})
    assert invalid.status_code == 422
    assert 'aria-invalid="true"' in invalid.text
    assert 'value="X"' in invalid.text
    created = browser.post("/workspaces/new", {"name": "Web Made", "base_currency": "EUR"})
    location = redirected_to(created)
    assert location.startswith("/w/web-made")
    dashboard = browser.get(location)
    assert "Workspace Web Made created." in text(dashboard)
    assert "you are owner" in text(dashboard)


def test_unknown_pages_and_malformed_ids_answer_the_404_page(browser_for: BrowserFor) -> None:
    resp = browser_for(None).get("/no/such/page")
    assert resp.status_code == 404
    assert "Page not found" in text(resp)


def test_the_api_still_answers_json(browser_for: BrowserFor) -> None:
    resp = browser_for(None).get("/api/v1/projects")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthenticated"


def test_static_assets_are_served(browser_for: BrowserFor) -> None:
    browser = browser_for(None)
    for path in (
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/vendor/pico-2.1.1.min.css",
        "/static/app.js",
        "/static/app.css",
    ):
        assert browser.get(path).status_code == 200, path


class _Assets(HTMLParser):
    """What a page loads, and whatever it would run or style inline."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name[:2] == "on"]
        if tag == "script":
            self._in_script = True
            self.loaded.append(values.get("src") or "")
        elif tag == "link":
            self.loaded.append(values.get("href") or "")
        elif tag in {"style", "iframe", "img", "object", "embed"}:
            self.inline.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(f"script {data.strip()[:40]}")


def test_the_api_reference_is_served_from_our_origin_under_the_csp(client: httpx.Client) -> None:
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assets = _Assets()
    assets.feed(resp.text)
    assert assets.inline == []
    assert sorted(assets.loaded) == [
        "/static/api-docs.js",
        "/static/favicon.svg",
        f"/static/vendor/swagger-ui-{SWAGGER_UI}/swagger-ui-bundle.js",
        f"/static/vendor/swagger-ui-{SWAGGER_UI}/swagger-ui.css",
    ]
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for path in assets.loaded:
        asset = client.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["content-type"].startswith(types[path[path.rfind(".") :]]), path
    init = client.get("/static/api-docs.js").text
    assert "/api/openapi.json" in client.get("/api/docs").text + init
    assert client.get("/api/docs/oauth2-redirect").status_code == 404
    license_text = client.get(f"/static/vendor/swagger-ui-{SWAGGER_UI}/LICENSE")
    assert license_text.status_code == 200
    assert "Apache License" in license_text.text


def test_one_workspace_is_where_its_member_lands_two_are_chosen_from_the_list(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    browser = browser_for(user)
    assert redirected_to(browser.get("/")) == "/workspaces"  # none yet
    first = factory.workspace(user)
    assert redirected_to(browser.get("/")) == f"/w/{first['slug']}/"
    assert redirected_to(browser.get("/sign-in")) == f"/w/{first['slug']}/"
    factory.workspace(user)
    assert redirected_to(browser.get("/")) == "/workspaces"


def test_form_defaults_are_values_and_no_placeholder_looks_like_one(
    factory: Factory, browser_for: BrowserFor
) -> None:
    browser = browser_for(factory.user())
    new = browser.get("/workspaces/new")
    assert 'name="base_currency" type="text" value="USD"' in new.text
    assert 'name="timezone" type="text" value="UTC"' in new.text
    owner = factory.user()
    ws = factory.workspace(owner)
    owners = browser_for(owner)
    for path in ("/customers/new", "/projects/new"):
        form = owners.get(f"/w/{ws['slug']}{path}")
        assert form.status_code == 200, path
        placeholders = re.findall(r'placeholder="([^"]*)"', form.text)
        assert not [p for p in placeholders if re.fullmatch(r"[A-Z]{3}", p)], (path, placeholders)
        assert "The workspace's" in unescape(" ".join(placeholders)), path
