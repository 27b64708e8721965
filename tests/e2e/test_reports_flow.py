"""In a real browser: the trial balance on a chosen day, an account figure down to its
general ledger and a line to its journal entry; a partial credit note from the invoice."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice

NewContext = Callable[[], BrowserContext]


def test_drill_down_from_the_trial_balance_and_a_partial_credit_note(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Books Co")
    customer = new_customer(owner, ws, name="Initech")
    today = datetime.now(UTC).date().isoformat()
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("4", "250.00")]))
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Trial balance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trial balance")

    page.get_by_label("As of").fill(today)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"as_of={today}"))
    receivables = page.locator("#trial-balance tr", has_text="1200 Accounts receivable")
    expect(receivables).to_contain_text("1,000.00")
    shot(page, "20-trial-balance")
    receivables.get_by_role("link", name="1,000.00").last.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("1200 · Accounts receivable")
    expect(page).to_have_url(re.compile(r"/reports/general-ledger\?account_id=.*&to=" + today))
    ledger = page.locator("#general-ledger")
    expect(ledger).to_contain_text("1,000.00")
    shot(page, "21-general-ledger")
    ledger.get_by_role("link", name=re.compile(r"^JE-")).first.click()
    expect(page).to_have_url(re.compile(rf"/w/{ws['slug']}/journal/[0-9a-f-]{{36}}$"))

    page.goto(f"/w/{ws['slug']}/invoices/{invoice['id']}")
    expect(page.locator(".details")).to_contain_text("1,000.00 USD")
    page.get_by_label("Reason").fill("Two days not delivered")
    page.get_by_label("Quantity to credit (line 1)").fill("0.5")
    page.get_by_role("button", name="Issue credit note").click()
    number = f"CN-{datetime.now(UTC).year}-0001"
    expect(page.locator("#alerts")).to_contain_text(f"Credit note {number} of 125.00 USD issued.")
    expect(page.locator("#credit-notes")).to_contain_text(number)
    expect(page.locator(".details")).to_contain_text("875.00 USD")
    shot(page, "22-credit-note")
