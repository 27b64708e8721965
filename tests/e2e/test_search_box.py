"""In a real browser: "/" puts the focus in the header's search box, typing shows the
suggestions by kind, a suggestion leads to its record, Escape closes them, and Enter
shows the full results page; "/" typed inside a field stays in the field."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import new_customer
from tests.projects.helpers import new_project

NewContext = Callable[[], BrowserContext]


def test_slash_type_choose(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_project(owner, ws, code="WEB", name="Acme website")
    customer = new_customer(owner, ws, name="Acme Corp", email="ap@acme.example.com")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/customers")
    box = page.get_by_role("searchbox", name="Search this workspace")

    # "/" inside a field types a slash; outside any field it focuses the box.
    filter_box = page.locator("#f-q")
    filter_box.click()
    page.keyboard.type("a/b")
    expect(filter_box).to_have_value("a/b")
    expect(box).not_to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")

    page.keyboard.type("acm")
    suggestions = page.locator("#global-search-suggestions")
    expect(suggestions.get_by_role("heading", name="Projects")).to_be_visible()
    expect(suggestions.get_by_role("link", name="Acme website")).to_be_visible()
    expect(suggestions.get_by_role("link", name="Acme Corp")).to_be_visible()
    shot(page, "search-suggestions")
    page.keyboard.press("Escape")
    expect(suggestions).to_be_empty()

    page.keyboard.type("e c")  # "acme c": only the customer
    expect(suggestions.get_by_role("link", name="Acme Corp")).to_be_visible()
    expect(suggestions.get_by_role("link", name="Acme website")).to_have_count(0)
    suggestions.get_by_role("link", name="Acme Corp").click()
    expect(page).to_have_url(f"/w/{ws['slug']}/customers/{customer['id']}")

    page.keyboard.press("/")
    page.keyboard.type("acme")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"/w/{ws['slug']}/search?q=acme")
    expect(page.locator("main").get_by_role("link", name="Acme website")).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="Acme Corp")).to_be_visible()


def test_arrow_keys_walk_the_suggestions(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_project(owner, ws, code="WEB", name="Acme website")
    customer = new_customer(owner, ws, name="Acme Corp", email="ap@acme.example.com")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/customers")
    box = page.get_by_role("searchbox", name="Search this workspace")
    suggestions = page.locator("#global-search-suggestions")
    project = suggestions.get_by_role("link", name="Acme website")
    client = suggestions.get_by_role("link", name="Acme Corp")
    every = suggestions.get_by_role("link", name="All results for “acm”")

    page.keyboard.press("/")
    page.keyboard.type("acm")
    expect(client).to_be_visible()
    # Down walks the suggestions in the order shown, and stops at the last one.
    for expected in (project, client, every, every):
        page.keyboard.press("ArrowDown")
        expect(expected).to_be_focused()
    # Up walks back, and from the first one returns to the box with its text.
    for expected in (client, project):
        page.keyboard.press("ArrowUp")
        expect(expected).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    expect(box).to_have_value("acm")

    # Escape on a suggestion closes them and gives the box back.
    page.keyboard.press("ArrowDown")
    expect(project).to_be_focused()
    page.keyboard.press("Escape")
    expect(suggestions).to_be_empty()
    expect(box).to_be_focused()

    # Enter on a suggestion follows it.
    page.keyboard.type("e c")
    expect(client).to_be_visible()
    expect(project).to_have_count(0)
    page.keyboard.press("ArrowDown")
    expect(client).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"/w/{ws['slug']}/customers/{customer['id']}")
