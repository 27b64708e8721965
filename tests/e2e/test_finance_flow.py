"""In a real browser: a customer, an invoice with live totals, issued, paid, on the dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import new_customer

NewContext = Callable[[], BrowserContext]


def test_invoice_issued_paid_and_seen_on_the_dashboard(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Ledger Co")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/")
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Email").fill("billing@initech.example")
    page.get_by_label("Billing address").fill("1 Main Street\nSpringfield")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Initech")

    page.get_by_role("button", name="New invoice").click()
    page.get_by_label("Description (line 1)").fill("Consulting")
    page.get_by_label("Quantity (line 1)").fill("10")
    page.get_by_label("Unit price (line 1)").fill("120")
    page.get_by_label("Tax rate (line 1)").fill("20")
    totals = page.locator("#invoice-totals")
    expect(totals).to_contain_text("1,440.00")  # live, before saving
    shot(page, "08-invoice-live-totals")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Issue").click()
    number = f"INV-{datetime.now(UTC).year}-0001"
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    assert len(questions) == 1  # issuing asks first: the invoice can no longer change
    page.get_by_label("Amount").fill("1440.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#payments")).to_contain_text("1,440.00")
    expect(page.get_by_text("Paid").first).to_be_visible()
    shot(page, "09-invoice-paid")

    page.get_by_role("link", name="Dashboard").click()
    latest = page.locator("#latest-invoices")
    expect(latest).to_contain_text(number)
    expect(latest).to_contain_text("Paid")
    expect(page.locator("#receivables")).to_contain_text("Nothing outstanding.")
    shot(page, "10-dashboard-paid")

    invoices = owner.get("/api/v1/invoices", ws=ws).json()["items"]
    assert [(i["number"], i["status"], i["total"]) for i in invoices] == [
        (number, "paid", "1440.00")
    ]
    page.goto(f"/w/{ws['slug']}/invoices/{invoices[0]['id']}/print")
    expect(page.get_by_text("Initech").first).to_be_visible()
    page.emulate_media(media="print")
    shot(page, "11-invoice-print")
    for paper in ("A4", "Letter"):  # what "Save as PDF" makes: one page, no navigation
        pdf = page.pdf(format=paper, prefer_css_page_size=False)
        assert pdf.startswith(b"%PDF")
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, paper


def test_enter_in_the_invoice_editor_saves_and_a_new_line_takes_the_focus(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Keys Co")
    customer = new_customer(owner, ws, name="Hooli")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/invoices/new?customer_id={customer['id']}")
    page.get_by_label("Description (line 1)").fill("Design")
    page.get_by_label("Quantity (line 1)").fill("2")
    page.get_by_label("Unit price (line 1)").fill("50")
    page.get_by_role("button", name="+ Add line").click()
    expect(page.get_by_label("Description (line 2)")).to_be_focused()
    page.keyboard.type("Build")
    page.get_by_label("Quantity (line 2)").fill("1")
    page.get_by_label("Unit price (line 2)").fill("30")
    page.get_by_label("Quantity (line 2)").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    expect(page.locator("#alerts")).to_contain_text("Draft invoice saved.")
    lines = page.locator(".invoice-lines-table tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("Design")
