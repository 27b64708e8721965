"""In a real browser: a user picks German formats on the account page and then sees an
invoice's amounts and dates as Germans write them, while its form fields keep taking
machine values (a payment of 100.50, typed with a dot, is recorded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice

NewContext = Callable[[], BrowserContext]


def test_a_german_user_sees_german_amounts_and_dates(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Formats Co")
    customer = new_customer(owner, ws, name="Müller GmbH", currency="EUR")
    today = datetime.now(UTC).date()
    issued_on, paid_on = today - timedelta(days=3), today - timedelta(days=2)
    dated = {"issue_date": issued_on.isoformat(), "due_date": today.isoformat()}
    invoice = issue(
        owner, ws, new_invoice(owner, ws, customer, lines=[line("1", "1234.56")], **dated)
    )
    page = new_context().new_page()
    sign_in(page, owner.email)

    page.goto("/account")
    page.get_by_label("Show dates and numbers as").select_option("de-DE")
    page.locator("#locale").get_by_role("button", name="Save").click()
    expect(page.locator("#alerts")).to_contain_text("Dates and numbers saved.")

    page.goto(f"/w/{ws['slug']}/invoices/{invoice['id']}")
    expect(page.locator(".invoice-lines-table tr.grand").first).to_contain_text("1.234,56 €")
    expect(page.locator("dl").first).to_contain_text(f"{issued_on:%d.%m.%Y}")
    shot(page, "60-invoice-in-german")

    page.get_by_label("Amount").fill("100.50")
    page.locator("#f-paid_on").fill(paid_on.isoformat())
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#alerts")).to_contain_text("Payment of 100,50 € recorded.")
    payment = page.locator("#payments tr", has_text="Bank transfer")
    expect(payment).to_contain_text(f"{paid_on:%d.%m.%Y}")
    expect(payment).to_contain_text("100,50")
