"""The trail of a page below its list that names no record ends with the page's title."""

from __future__ import annotations

import re
from html import unescape

from tests.factories import Factory
from tests.web.conftest import BrowserFor

TRAIL = re.compile(r'<nav aria-label="Breadcrumb".*?</nav>', re.S)
CRUMB = re.compile(r"<li>(.*?)</li>", re.S)
TAG = re.compile(r"<[^>]+>")


def _trail(html: str) -> list[str]:
    """The crumbs, the current one starred: ['Acme', 'Money', 'Invoices', '*New invoice']."""
    found = TRAIL.search(html)
    assert found is not None
    return [
        ("*" if 'aria-current="page"' in crumb else "") + unescape(TAG.sub("", crumb)).strip()
        for crumb in CRUMB.findall(found.group(0))
    ]


def test_forms_and_settings_pages_end_the_trail_with_their_title(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    base = f"/w/{ws['slug']}"
    assert _trail(browser.get(f"{base}/invoices").text) == [ws["name"], "Money", "*Invoices"]
    new_invoice = browser.get(f"{base}/invoices/new").text
    assert _trail(new_invoice) == [ws["name"], "Money", "Invoices", "*New invoice"]
    assert f'<a href="{base}/invoices">Invoices</a>' in new_invoice
    assert _trail(browser.get(f"{base}/departments/new").text) == [
        ws["name"],
        "People",
        "Departments",
        "*New department",
    ]
    assert _trail(browser.get(f"{base}/settings/members").text) == [
        ws["name"],
        "Settings",
        "*Members",
    ]
    assert _trail(browser.get(f"{base}/settings").text) == [ws["name"], "*Settings"]
