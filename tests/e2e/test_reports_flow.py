"""In a real browser: the trial balance on a chosen day, an account figure down to its
general ledger and a line to its journal entry; a partial credit note from the invoice."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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
    expect(page.locator(".details")).to_contain_text("$1,000.00")
    page.get_by_label("Reason").fill("Two days not delivered")
    page.get_by_label("Quantity to credit (line 1)").fill("0.5")
    page.get_by_role("button", name="Issue credit note").click()
    number = f"CN-{datetime.now(UTC).year}-0001"
    expect(page.locator("#alerts")).to_contain_text(f"Credit note {number} of $125.00 issued.")
    expect(page.locator("#credit-notes")).to_contain_text(number)
    expect(page.locator(".details")).to_contain_text("$875.00")
    shot(page, "22-credit-note")


def test_a_manual_entry_balanced_live_posted_and_reversed_then_the_books_locked(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Ledger Co")
    today = datetime.now(UTC).date()
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chart of accounts")
    expect(page.locator("#chart")).to_contain_text("6200 Rent")
    shot(page, "23-chart-of-accounts")

    page.get_by_role("link", name="Journal").click()
    page.get_by_role("button", name="New entry").click()
    page.get_by_label("Memo").fill("March rent")
    page.get_by_label("Account (line 1)").select_option(label="6200 · Rent")
    page.get_by_label("Debit (line 1)").fill("300")
    page.get_by_label("Account (line 2)").select_option(label="1110 · Bank")
    page.get_by_label("Credit (line 2)").fill("250")
    balance = page.locator("#entry-balance")
    expect(balance).to_contain_text(
        re.compile(r"Off by\s*50\.00 more debit")
    )  # live, before posting
    page.get_by_label("Credit (line 2)").fill("300")
    expect(balance).to_contain_text("Balanced")
    shot(page, "24-manual-entry-balanced")
    page.get_by_role("button", name="Post entry", exact=True).last.click()
    number = f"JE-{today.year}-0001"
    expect(page.locator("#alerts")).to_contain_text(f"Entry {number} of $300.00 posted.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Journal entry {number}")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Post the reversal").click()
    expect(page.locator("#alerts")).to_contain_text(f"Reversal JE-{today.year}-0002 posted.")
    expect(page.locator("#entry-facts")).to_contain_text("Reverses")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Books").click()
    page.get_by_label("Lock up to and including").fill(str(today - timedelta(days=1)))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Lock the books").click()
    expect(page.locator("#alerts")).to_contain_text("The books are locked up to")
    shot(page, "25-books-locked")
