"""The global search's pages: the box in every workspace page's header, its suggestions
fragment (5 a kind) and the full results page (20 a kind), which works without script;
each hit links to its record; access as every workspace page's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from atlas.web.pages.search import PAGE_LIMIT, SUGGESTION_LIMIT
from tests.exports.helpers import member_with_permissions
from tests.factories import Actor, Factory
from tests.finance.helpers import many_customers, new_customer
from tests.hr.helpers import new_department
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql
from tests.web.conftest import BrowserFor
from tests.web.helpers import assert_page_access, text


@dataclass(frozen=True)
class Owned:
    ws: dict[str, Any]
    owner: Actor


def links(html: str) -> list[str]:
    """The links of the search's hits, in order."""
    groups = re.findall(r'<section class="search-group".*?</section>', html, flags=re.S)
    return [href for group in groups for href in re.findall(r'<li><a href="([^"]+)">', group)]


def test_access_is_every_members(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for path in ("/search?q=acme", "/search/suggestions?q=acme"):
        assert_page_access(
            browser_for,
            f"/w/{ws['slug']}{path}",
            stranger=factory.user(),
            denied=member_with_permissions(factory, Owned(ws, owner), ["customers:read"]),
            allowed=factory.member(ws, "viewer"),
            permission="workspace:read",
        )


def test_every_workspace_page_has_the_box(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    page = browser_for(owner).get(f"/w/{ws['slug']}/customers")
    assert page.status_code == 200
    box = re.search(r'<search class="global-search">\s*<form [^>]*>\s*<input ([^>]*)>', page.text)
    assert box, page.text[:2000]
    assert f'action="/w/{ws["slug"]}/search"' in box.group(0)
    assert 'name="q"' in box.group(1)
    assert f'hx-get="/w/{ws["slug"]}/search/suggestions"' in box.group(1)
    assert 'hx-trigger="input changed delay:200ms, search"' in box.group(1)
    assert 'aria-keyshortcuts="/"' in box.group(1)
    outside = browser_for(owner).get("/workspaces")
    assert 'class="global-search"' not in outside.text


def test_the_results_page_links_each_record(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(owner)
    project = new_project(owner, ws, code="WEB", name="Acme website")
    task = new_task(owner, ws, project, title="Acme login")
    customer = new_customer(owner, ws, name="Acme Corp")
    new_department(owner, ws, code="ACM", name="Acme Labs")
    new_customer(owner, other, name="Acme Elsewhere")
    base = f"/w/{ws['slug']}"
    page = browser_for(owner).get(f"{base}/search", params={"q": "acme"})
    assert page.status_code == 200
    assert links(page.text) == [
        f"{base}/projects/{project['id']}",
        f"{base}/tasks/{task['id']}",
        f"{base}/customers/{customer['id']}",
        f"{base}/departments?q=ACM",
    ]
    shown = text(page)
    assert "Projects Acme website WEB Tasks Acme login WEB-1 Customers Acme Corp" in shown
    assert "Elsewhere" not in shown
    assert 'value="acme"' in page.text  # the page's own box keeps the text
    # Each link leads to a page that shows the record.
    names = ["Acme website", "Acme login", "Acme Corp", "Acme Labs"]
    for href, name in zip(links(page.text), names, strict=True):
        record = browser_for(owner).get(href)
        assert record.status_code == 200
        assert name in text(record)


def test_empty_nothing_found_and_too_long(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    url = f"/w/{ws['slug']}/search"
    empty = browser.get(url)
    assert empty.status_code == 200
    assert "Type a name, an e-mail address" in text(empty)
    nothing = browser.get(url, params={"q": "'&|!"})
    assert "Nothing matches “'&|!”." in text(nothing)
    assert browser.get(f"{url}/suggestions").text == ""  # not a blank: the panel stays hidden
    too_long = browser.get(url, params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert "q: " in text(too_long)
    assert browser.get(url, params={"q": "x" * 200}).status_code == 200


def test_limits_of_the_suggestions_and_the_page(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    many_customers(sql, ws, PAGE_LIMIT + 1, "Edge")
    browser = browser_for(owner)
    url = f"/w/{ws['slug']}/search"
    suggested = browser.get(
        f"{url}/suggestions", params={"q": "edg"}, headers={"HX-Request": "true"}
    )
    assert suggested.status_code == 200
    assert len(links(suggested.text)) == SUGGESTION_LIMIT == 5
    assert "More customers match" in text(suggested)
    assert f'href="{url}?q=edg"' in suggested.text
    assert "<html" not in suggested.text  # a fragment
    page = browser.get(url, params={"q": "edg"})
    assert len(links(page.text)) == PAGE_LIMIT == 20
    assert "More customers match" in text(page)
    sql.owner(
        "DELETE FROM customers WHERE workspace_id = %s AND name = %s",
        ws["id"],
        f"Edge {PAGE_LIMIT + 1:04d}",
        workspace=ws["id"],
    )
    exactly = browser.get(url, params={"q": "edg"})
    assert len(links(exactly.text)) == PAGE_LIMIT
    assert "More customers match" not in text(exactly)
