"""On a phone (390 x 844): no page scrolls sideways (wide tables scroll inside their own
box), and the workspace navigation folds into a menu button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import new_tenant

PHONE = {"width": 390, "height": 844}
PAGES = (
    "/",
    "/projects",
    "/timesheet",
    "/employees",
    "/departments",
    "/leave",
    "/customers",
    "/invoices",
    "/journal",
    "/accounts",
    "/reports/trial-balance",
    "/settings",
    "/settings/audit",
)


@pytest.fixture
def phone(chromium: Browser, server: str) -> Iterator[BrowserContext]:
    context = chromium.new_context(base_url=server, viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(factory: Factory, phone: BrowserContext) -> None:
    t = new_tenant(factory)
    page = phone.new_page()
    sign_in(page, t.owner.email)
    wide = []
    for path in PAGES:
        page.goto(f"/w/{t.ws['slug']}{path}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide.append(f"{path}: {overflow}px")
    page.goto(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}")
    shot(page, "30-phone-invoice")
    assert wide == [], wide


def test_the_navigation_folds_into_a_menu_on_a_phone(
    factory: Factory, phone: BrowserContext
) -> None:
    t = new_tenant(factory)
    page = phone.new_page()
    sign_in(page, t.owner.email)
    page.goto(f"/w/{t.ws['slug']}/")
    nav = page.get_by_role("navigation", name="Workspace")
    invoices = nav.get_by_role("link", name="Invoices", exact=True)
    expect(invoices).to_be_hidden()
    shot(page, "32-phone-dashboard")
    page.get_by_text("Menu", exact=True).click()
    expect(invoices).to_be_visible()
    shot(page, "31-phone-menu-open")
    invoices.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoices")
