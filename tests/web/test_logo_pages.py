"""The workspace's logo on the settings page, at its own address and on the printed invoice."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from atlas.workspaces.logo import LOGO_MAX_BYTES
from tests.factories import Actor, Factory
from tests.finance.helpers import new_customer, new_invoice
from tests.sql import Sql
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, field_error, redirected_to, text
from tests.workspaces import images


def upload(browser: Browser, ws: dict[str, Any], content: bytes, name: str) -> httpx.Response:
    # The file's name and type claim a PNG, whatever the bytes are.
    return browser.http.post(
        f"/w/{ws['slug']}/settings/logo",
        data={"csrf_token": browser.csrf},
        files={"logo": (name, content, "image/png")},
    )


def logo_url(ws: dict[str, Any], content: bytes, extension: str) -> str:
    return f"/w/{ws['slug']}/settings/logo/{hashlib.sha256(content).hexdigest()}.{extension}"


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (images.png(30, 20), "png"),
        (images.jpeg(30, 20), "jpg"),
        (images.webp_lossy(30, 20), "webp"),
    ],
    ids=["png", "jpeg", "webp"],
)
def test_an_uploaded_logo_is_shown_and_served_to_members(
    factory: Factory,
    browser_for: BrowserFor,
    owner: Actor,
    ws: dict[str, Any],
    content: bytes,
    extension: str,
) -> None:
    browser = browser_for(owner)
    saved = upload(browser, ws, content, "logo.png")
    assert redirected_to(saved) == f"/w/{ws['slug']}/settings"
    page = browser.get(f"/w/{ws['slug']}/settings")
    assert "Logo saved." in text(page)
    url = logo_url(ws, content, extension)
    assert f'src="{url}" width="30" height="20"' in page.text
    viewer = browser_for(factory.member(ws, "viewer"))
    served = viewer.get(url)
    assert served.status_code == 200
    assert served.content == content
    content_type = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[extension]
    assert served.headers["content-type"] == content_type
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "private, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("content", "name", "said", "under_the_field"),
    [
        (images.SVG, "logo.svg", "SVG is not accepted", "must be a PNG, JPEG or WebP image"),
        (images.GIF, "logo.gif", "GIF is not accepted", "must be a PNG, JPEG or WebP image"),
        (
            images.HTML,
            "logo.png",
            "not an image of a known kind",
            "must be a PNG, JPEG or WebP image",
        ),
        (images.png()[:-3], "logo.png", "cut short or damaged", "not a whole PNG image"),
        (images.png(4001, 10), "logo.png", "4001 by 10 pixels", "at most 4000 pixels a side"),
    ],
    ids=["svg", "gif", "html-named-png", "truncated", "too-wide"],
)
def test_a_refused_file_is_explained_under_the_field(
    sql: Sql,
    browser_for: BrowserFor,
    owner: Actor,
    ws: dict[str, Any],
    content: bytes,
    name: str,
    said: str,
    under_the_field: str,
) -> None:
    resp = upload(browser_for(owner), ws, content, name)
    assert resp.status_code == 422
    assert said in text(resp)
    assert field_error(resp.text, "logo") == under_the_field
    assert sql.owner(
        "SELECT count(*) AS n FROM workspace_logos WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    ) == [{"n": 0}]


def test_the_size_limit_on_the_page(
    browser_for: BrowserFor, owner: Actor, ws: dict[str, Any]
) -> None:
    browser = browser_for(owner)
    largest = images.png_of_size(LOGO_MAX_BYTES)
    assert redirected_to(upload(browser, ws, largest, "big.png")).endswith("/settings")
    too_large = upload(browser, ws, images.png_of_size(LOGO_MAX_BYTES + 1), "bigger.png")
    assert too_large.status_code == 413
    assert field_error(too_large.text, "logo") == "must be at most 512 KiB"
    assert browser.get(logo_url(ws, largest, "png")).status_code == 200


def test_replacing_and_removing_the_logo(
    browser_for: BrowserFor, owner: Actor, ws: dict[str, Any]
) -> None:
    browser = browser_for(owner)
    first, second = images.png(), images.jpeg()
    upload(browser, ws, first, "a.png")
    upload(browser, ws, second, "b.jpg")
    assert browser.get(logo_url(ws, first, "png")).status_code == 404
    assert browser.get(logo_url(ws, second, "png")).status_code == 404  # not its extension
    assert browser.get(logo_url(ws, second, "jpg")).status_code == 200
    removed = browser.post(f"/w/{ws['slug']}/settings/logo/remove")
    assert redirected_to(removed) == f"/w/{ws['slug']}/settings"
    page = browser.get(f"/w/{ws['slug']}/settings")
    assert "Logo removed." in text(page)
    assert "/settings/logo/" + hashlib.sha256(second).hexdigest() not in page.text
    assert browser.get(logo_url(ws, second, "jpg")).status_code == 404


def test_who_may_see_and_change_the_logo(
    factory: Factory, sql: Sql, browser_for: BrowserFor, owner: Actor, ws: dict[str, Any]
) -> None:
    content = images.png()
    upload(browser_for(owner), ws, content, "logo.png")
    url = logo_url(ws, content, "png")
    assert redirected_to(browser_for(None).get(url)) == f"/sign-in?next={url}"
    assert browser_for(factory.user()).get(url).status_code == 404
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    # Another workspace's member, at this workspace's address and at their own.
    assert browser_for(other_owner).get(url).status_code == 404
    assert browser_for(other_owner).get(url.replace(ws["slug"], other["slug"])).status_code == 404
    for role in ("member", "viewer"):
        browser = browser_for(factory.member(ws, role))
        for resp in (
            upload(browser, ws, images.jpeg(), "other.jpg"),
            browser.post(f"/w/{ws['slug']}/settings/logo/remove"),
        ):
            assert resp.status_code == 403
            assert "workspace:update" in text(resp)
    stored = sql.owner(
        "SELECT sha256 FROM workspace_logos WHERE workspace_id = %s", ws["id"], workspace=ws["id"]
    )
    assert stored == [{"sha256": hashlib.sha256(content).hexdigest()}]
    admin = browser_for(factory.member(ws, "admin"))
    assert redirected_to(upload(admin, ws, images.jpeg(), "admin.jpg")).endswith("/settings")


def test_the_printed_invoice_shows_the_logo_at_the_sellers_head(
    browser_for: BrowserFor, owner: Actor, ws: dict[str, Any]
) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    browser = browser_for(owner)
    printed = f"/w/{ws['slug']}/invoices/{invoice['id']}/print"
    assert "seller-logo" not in browser.get(printed).text
    content = images.png(1200, 300)
    upload(browser, ws, content, "wide.png")
    sheet = browser.get(printed)
    assert sheet.status_code == 200
    seller = re.search(r'<div class="seller" id="seller">(.*?)</div>', sheet.text, re.S)
    assert seller is not None
    # Shrunk to 240 x 96 with its proportions: 1200 x 300 becomes 240 x 60.
    url = logo_url(ws, content, "png")
    assert f'<img class="seller-logo" src="{url}" width="240" height="60"' in seller.group(1)
    assert browser.get(url).content == content
