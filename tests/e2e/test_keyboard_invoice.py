"""With the keyboard alone (Tab, Shift-Tab, Enter, Space, and typing into fields): sign in,
make an invoice, issue it and email it with its PDF."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, Factory
from tests.finance.helpers import new_customer

NewContext = Callable[[], BrowserContext]

# What the focused element is called: its label's text, else its aria-label or its own
# text (links and buttons).
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
  return (label || e.getAttribute("aria-label") || e.innerText || "").trim();
}"""
MOST_TABS = 150


def focus(page: Page, name: str, key: str = "Tab") -> None:
    """Presses `key` (Tab or Shift+Tab) until the focused element's name starts with
    `name`; fails after MOST_TABS presses."""
    seen = []
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        seen.append(page.evaluate(FOCUSED_NAME)[:40])
        if seen[-1].startswith(name):
            return
    raise AssertionError(f"{name!r} never took the focus; went through {seen}")


def test_an_invoice_made_issued_and_emailed_with_the_keyboard_alone(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Keys Ltd")
    email = f"ap-{secrets.token_hex(4)}@example.com"
    customer = new_customer(owner, ws, name="Initech", email=email)
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Issue this invoice?": Enter on OK

    page.goto(f"/sign-in?next=/w/{ws['slug']}/customers")
    focus(page, "Email")
    page.keyboard.type(owner.email)
    focus(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")

    # The customer's page starts its invoice with the customer chosen.
    focus(page, "Initech")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    focus(page, "+ New invoice")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New invoice")
    expect(page.get_by_label("Customer")).to_have_value(customer["id"])
    focus(page, "Description (line 1)")
    page.keyboard.type("Consulting")
    focus(page, "Quantity (line 1)")
    page.keyboard.type("10")
    focus(page, "Unit price (line 1)")
    page.keyboard.type("120")
    focus(page, "Save draft")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft invoice")

    focus(page, "Issue")
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Invoice INV-\d{4}-0001"))
    number = heading.inner_text().removeprefix("Invoice ")

    form = page.locator("#email")
    expect(form.get_by_label("To")).to_have_value(email)
    expect(form.get_by_label("Subject")).to_have_value(f"Invoice {number} from Keys Ltd")
    focus(page, "Send invoice")
    focus(page, "Message", key="Shift+Tab")  # back to the message, to add a line
    page.keyboard.press("Control+End")
    page.keyboard.type("\nPO 4711")
    focus(page, "Send invoice")
    page.keyboard.press("Space")
    # Rendering the PDF takes a moment on a busy machine.
    expect(page.locator("#email")).to_contain_text(f"Sent to {email} on ", timeout=30_000)
    shot(page, "invoice-sent-by-keyboard")

    (queued,) = factory.sql.owner(
        "SELECT subject, body, attachment_filename FROM outbox_messages WHERE to_email = %s",
        email,
    )
    assert queued["subject"] == f"Invoice {number} from Keys Ltd"
    assert queued["body"].endswith("PO 4711")
    assert queued["attachment_filename"] == f"{number}.pdf"
