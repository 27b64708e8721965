"""In a real browser: invoicing the 1,000th customer through the customer type-ahead."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import many_customers

NewContext = Callable[[], BrowserContext]


def test_the_thousandth_customer_is_found_picked_and_invoiced(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Many Clients")
    customers = many_customers(factory.sql, ws, 1000, "Client")
    last = customers[-1]
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/invoices/new")

    customer = page.get_by_role("combobox", name="Customer")
    customer.fill("Client 0")  # all but the 1,000th: the first ten show
    options = page.get_by_role("option")
    expect(page.get_by_role("status")).to_contain_text("Showing 10 of 999 matches")
    expect(options).to_have_count(10)
    customer.fill("100")  # Client 0100 and Client 1000
    expect(options).to_have_count(2)
    expect(options.nth(1)).to_have_text(last["name"])
    customer.press("ArrowDown")
    customer.press("ArrowDown")
    expect(customer).to_have_attribute("aria-activedescendant", "customer_id-option-1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    customer.press("Enter")
    expect(customer).to_have_value(last["name"])
    expect(page.locator('input[type=hidden][name="customer_id"]')).to_have_value(str(last["id"]))
    expect(options).to_have_count(0)

    page.get_by_label("Description (line 1)").fill("Consulting")
    page.get_by_label("Quantity (line 1)").fill("2")
    page.get_by_label("Unit price (line 1)").fill("50")
    shot(page, "12-invoice-customer-type-ahead")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    expect(page.get_by_text(last["name"]).first).to_be_visible()

    invoices = owner.get("/api/v1/invoices", ws=ws).json()["items"]
    assert [(i["customer_id"], i["total"]) for i in invoices] == [(str(last["id"]), "100.00")]


def test_the_type_ahead_is_usable_on_a_phone(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    many_customers(factory.sql, ws, 60, "Phone")
    page = new_context().new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/invoices/new")
    customer = page.get_by_role("combobox", name="Customer")
    customer.fill("Phone 004")
    option = page.get_by_role("option", name="Phone 0042")
    expect(option).to_be_in_viewport()
    shot(page, "13-type-ahead-phone")
    option.click()
    expect(customer).to_have_value("Phone 0042")
    expect(page.locator('input[type=hidden][name="customer_id-label"]')).to_have_value("Phone 0042")
