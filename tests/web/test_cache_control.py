"""Responses that may carry tokens, sessions or personal data are never stored by caches.

The rule: every API response and every page (signed in or not: pages carry CSRF tokens,
links carry emailed tokens) says `Cache-Control: no-store`; only static assets may be
cached. One representative route of each kind is checked here.
"""

from __future__ import annotations

import hashlib
import re

import httpx

from atlas.web.assets import STATIC
from tests.factories import PASSWORD, Factory
from tests.hr.helpers import new_employee
from tests.web.conftest import BrowserFor


def assert_not_stored(resp: httpx.Response) -> None:
    assert resp.status_code < 500, resp.text
    assert resp.headers.get("cache-control") == "no-store", (
        resp.request.url,
        resp.headers.get("cache-control"),
    )


def test_auth_and_session_answers_are_not_stored(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    signed_in = client.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    assert_not_stored(signed_in)
    client.cookies.clear()  # signed in: the next call is anonymous again
    refused = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": "x" * 12})
    assert refused.status_code == 401
    assert_not_stored(refused)
    signed_up = client.post(
        "/api/v1/auth/sign-up",
        json={"email": f"cache-{user.email}", "password": PASSWORD, "name": "Cache"},
    )
    assert signed_up.status_code == 202
    assert_not_stored(signed_up)
    for path in ("/api/v1/auth/session", "/api/v1/auth/sessions", "/api/v1/me/invitations"):
        resp = user.get(path)
        assert resp.status_code == 200, (path, resp.text)
        assert_not_stored(resp)
    ws = factory.workspace(user)
    token = user.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]})
    assert token.status_code == 200, token.text
    assert_not_stored(token)


def test_salaries_and_the_export_are_not_stored(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws, salary="5000.00", salary_currency="EUR")
    resp = owner.get(f"/api/v1/employees/{employee['id']}", ws=ws)
    assert resp.status_code == 200
    assert resp.json()["salary"] == "5000.00"
    assert_not_stored(resp)
    listed = owner.get("/api/v1/employees", ws=ws)
    assert listed.status_code == 200
    assert_not_stored(listed)
    export = owner.get("/api/v1/workspace/export", ws=ws)
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/zip"
    assert_not_stored(export)


def test_pages_are_not_stored_and_static_assets_may_be(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    employee = new_employee(user, ws, salary="5000.00", salary_currency="EUR")
    signed_in = browser_for(user)
    pages = ("/account", f"/w/{ws['slug']}/", f"/w/{ws['slug']}/employees/{employee['id']}")
    for path in pages:
        resp = signed_in.get(path)
        assert resp.status_code == 200, path
        assert_not_stored(resp)
    anonymous = browser_for(None)
    for path in ("/sign-in", "/sign-up", "/reset-password?token=abc", "/verify-email?token=abc"):
        resp = anonymous.get(path)
        assert resp.status_code == 200, path
        assert_not_stored(resp)
    asset = anonymous.get("/static/app.css")
    assert asset.status_code == 200
    assert "cache-control" not in asset.headers
    assert asset.headers["etag"]


def test_pages_load_assets_by_content_address_kept_a_year_and_compressed(
    browser_for: BrowserFor,
) -> None:
    anonymous = browser_for(None)
    page = anonymous.get("/sign-in")
    found = re.search(r'href="(/static/app\.css\?v=([0-9a-f]{12}))"', page.text)
    assert found, page.text[:1000]
    url, digest = found.groups()
    assert digest == hashlib.sha256((STATIC / "app.css").read_bytes()).hexdigest()[:12]
    kept = anonymous.get(url, headers={"accept-encoding": "gzip"})
    assert kept.status_code == 200
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert kept.headers["content-encoding"] == "gzip"
    assert kept.text == (STATIC / "app.css").read_text()  # httpx decodes it
    # Another digest (an old page's) is not promised to last; nor is the plain address.
    stale = anonymous.get("/static/app.css?v=000000000000")
    assert stale.status_code == 200
    assert "cache-control" not in stale.headers
    # A page is never compressed: it carries the CSRF token.
    assert (
        "content-encoding"
        not in anonymous.get("/sign-in", headers={"accept-encoding": "gzip"}).headers
    )
