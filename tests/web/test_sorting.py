"""Sortable columns: the header cell carries `aria-sort` (not its link) and the link an
arrow while the list is sorted by it; the sort lives in the address."""

from __future__ import annotations

import re

from tests.factories import Factory
from tests.finance.helpers import new_tenant
from tests.web.conftest import BrowserFor


def _header(html: str, label: str) -> str:
    found = re.search(rf"<th [^>]*>(?:(?!</th>).)*>{label}(?:(?!</th>).)*</th>", html, re.S)
    assert found, html[:2000]
    return found.group(0)


def test_the_sorted_column_says_so_on_its_header_cell(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices"
    unsorted = _header(browser.get(url).text, "Issued")
    assert "aria-sort" not in unsorted
    assert "▲" not in unsorted
    up = _header(browser.get(url, params={"sort": "issue_date"}).text, "Issued")
    assert up.startswith('<th scope="col" aria-sort="ascending">')
    assert '<span aria-hidden="true">▲</span>' in up
    assert "sort=-issue_date" in up  # the link sorts the other way next
    down = _header(browser.get(url, params={"sort": "-issue_date"}).text, "Issued")
    assert down.startswith('<th scope="col" aria-sort="descending">')
    assert "▼" in down
    total = _header(browser.get(url, params={"sort": "total"}).text, "Total")
    assert total.startswith('<th scope="col" class="num" aria-sort="ascending">')
    page = browser.get(url, params={"sort": "total"}).text
    assert not re.search(r"<a [^>]*aria-sort", page)  # never on the link
