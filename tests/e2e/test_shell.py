"""The shell on a desktop (1366 x 900): navigation grouped by area with the current one
marked, breadcrumbs naming the record, and values that never break across lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import Tenant, issue, line, new_invoice, new_tenant

DESKTOP = {"width": 1366, "height": 900}
LONG_TEXT = "Consulting on the migration of the accounting ledgers, " * 4

# The cells whose text sits on more than one line: a box of its text starts below where
# another ends.
SPLIT_VALUES = """(selector) => [...document.querySelectorAll(selector)].filter((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
  return Math.max(...boxes.map((r) => r.top)) >= Math.min(...boxes.map((r) => r.bottom));
}).map((cell) => cell.textContent.trim())"""


@pytest.fixture
def desktop(chromium: Browser, server: str) -> Iterator[BrowserContext]:
    context = chromium.new_context(base_url=server, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _with_big_invoices(factory: Factory) -> tuple[Tenant, dict[str, object]]:
    """A tenant with large amounts, one of them overdue, and a long line of text."""
    t = new_tenant(factory)
    big = issue(
        t.owner,
        t.ws,
        new_invoice(
            t.owner,
            t.ws,
            t.customer,
            lines=[line("1000", "8000.00", "19", LONG_TEXT), line("12.5", "123456.78")],
            issue_date="2026-01-01",
            due_date="2026-01-15",
        ),
    )
    return t, big


def _signed_in(desktop: BrowserContext, email: str) -> Page:
    page = desktop.new_page()
    sign_in(page, email)
    return page


def test_an_invoice_page_has_its_trail_and_marks_money(
    factory: Factory, desktop: BrowserContext
) -> None:
    t, big = _with_big_invoices(factory)
    page = _signed_in(desktop, t.owner.email)
    page.goto(f"/w/{t.ws['slug']}/invoices/{big['id']}")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    assert trail.locator("ol > li").all_inner_texts() == [
        t.ws["name"],
        "Money",
        "Invoices",
        str(big["number"]),
    ]
    expect(trail.locator("[aria-current=page]")).to_have_text(str(big["number"]))
    expect(trail.get_by_role("link", name="Invoices")).to_have_attribute(
        "href", f"/w/{t.ws['slug']}/invoices"
    )
    nav = page.get_by_role("navigation", name="Workspace")
    expect(nav.get_by_role("link", name="Invoices", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert nav.locator("[aria-current=page]").count() == 1
    expect(nav.locator(".nav-area-current .nav-area-name")).to_have_text("Money")
    expect(nav.get_by_role("group", name="Money")).to_be_visible()
    expect(nav.get_by_role("group", name="People")).to_be_visible()


def test_the_dashboard_has_no_trail_and_the_area_of_a_list_is_marked(
    factory: Factory, desktop: BrowserContext
) -> None:
    t = new_tenant(factory)
    page = _signed_in(desktop, t.owner.email)
    page.goto(f"/w/{t.ws['slug']}/")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_have_count(0)
    page.goto(f"/w/{t.ws['slug']}/employees")
    nav = page.get_by_role("navigation", name="Workspace")
    expect(nav.locator(".nav-area-current .nav-area-name")).to_have_text("People")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    assert trail.locator("ol > li").all_inner_texts() == [t.ws["name"], "People", "Employees"]
    page.goto(f"/w/{t.ws['slug']}/tasks/{t.task['id']}")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    assert trail.locator("ol > li").all_inner_texts() == [
        t.ws["name"],
        "Work",
        "Projects",
        t.project["name"],
        t.task["title"],
    ]


def test_a_viewer_sees_only_the_links_of_their_permissions(
    factory: Factory, desktop: BrowserContext
) -> None:
    t = new_tenant(factory)
    viewer = factory.member(t.ws, "viewer")
    page = _signed_in(desktop, viewer.email)
    page.goto(f"/w/{t.ws['slug']}/")
    nav = page.get_by_role("navigation", name="Workspace")
    expect(nav.get_by_role("link", name="Journal")).to_have_count(0)
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(nav.get_by_role("link", name="Invoices")).to_be_visible()
    expect(nav.get_by_role("link", name="Projects")).to_be_visible()


def test_no_money_value_breaks_across_lines_and_nothing_is_clipped(
    factory: Factory, desktop: BrowserContext
) -> None:
    t, _ = _with_big_invoices(factory)
    page = _signed_in(desktop, t.owner.email)
    page.goto(f"/w/{t.ws['slug']}/invoices")
    assert page.evaluate(SPLIT_VALUES, "td.num") == []
    page.goto(f"/w/{t.ws['slug']}/")
    assert page.evaluate(SPLIT_VALUES, "#receivables td.num") == []
    card = page.locator("#receivables")
    clipped = card.evaluate(
        """(card) => [card, ...card.querySelectorAll('*')]
          .filter((el) => el.scrollWidth > el.clientWidth && el.clientWidth > 0)
          .map((el) => el.tagName)"""
    )
    assert clipped == []
    shot(page, "40-shell-desktop")


def test_the_printed_sheet_holds_its_lines(factory: Factory, desktop: BrowserContext) -> None:
    t, big = _with_big_invoices(factory)
    page = _signed_in(desktop, t.owner.email)
    page.goto(f"/w/{t.ws['slug']}/invoices/{big['id']}/print")
    outside = page.locator(".invoice-sheet").evaluate(
        """(sheet) => {
          const box = sheet.getBoundingClientRect();
          return [...sheet.querySelectorAll('tr, td, th, header, dl, section')]
            .filter((el) => el.getBoundingClientRect().right > box.right + 0.5)
            .map((el) => el.tagName + ': ' + el.textContent.trim().slice(0, 30));
        }"""
    )
    assert outside == []
    assert page.evaluate(SPLIT_VALUES, ".invoice-sheet td.num") == []
    shot(page, "41-shell-print")
