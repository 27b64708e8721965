"""Credit notes from the invoice's page: part of an invoice by quantity, its errors on the
page (over-crediting, the locked period), void as the full credit note; the access cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

from atlas.web.formats import day, money
from tests.factories import Factory
from tests.finance.helpers import Tenant, issue, line, new_invoice, new_tenant, snapshot, today_utc
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, field_error, redirected_to, text

YEAR = datetime.now(UTC).year


def invoice_url(ws: dict[str, str], invoice_id: str) -> str:
    return f"/w/{ws['slug']}/invoices/{invoice_id}"


def credited(factory: Factory, ws: dict[str, str], invoice_id: str) -> tuple[Decimal, str]:
    (row,) = factory.sql.owner(
        "SELECT amount_credited, status FROM invoices WHERE id = %s", invoice_id, workspace=ws["id"]
    )
    return row["amount_credited"], row["status"]


def opened(factory: Factory, browser_for: BrowserFor) -> tuple[Tenant, Browser, str]:
    """A tenant, its owner's browser and the address of its issued invoice (100.00)."""
    t = new_tenant(factory)
    return t, browser_for(t.owner), invoice_url(t.ws, t.issued["id"])


def test_access(factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    url = invoice_url(a.ws, a.issued["id"]) + "/credit-notes"
    form = {"reason": "Discount", "credit-0-quantity": "0.5"}

    assert redirected_to(browser_for(None).post(url, form)) == f"/sign-in?next={quote('/')}"
    stranger = browser_for(b.owner).post(url, form)
    assert stranger.status_code == 404
    cross = browser_for(a.owner).post(invoice_url(a.ws, b.issued["id"]) + "/credit-notes", form)
    assert cross.status_code == 404
    assert "Page not found" in text(cross)
    member = factory.member(a.ws, "member")  # may read invoices, not credit them
    denied = browser_for(member).post(url, form)
    assert denied.status_code == 403
    assert "invoices:void" in text(denied)
    assert (
        "Issue credit note" not in browser_for(member).get(invoice_url(a.ws, a.issued["id"])).text
    )
    assert (snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)) == before

    admin = factory.member(a.ws, "admin")
    done = browser_for(admin).post(url, form)
    assert redirected_to(done) == invoice_url(a.ws, a.issued["id"])
    assert snapshot(factory.sql, b.ws) == before[1]
    assert credited(factory, a.ws, a.issued["id"]) == (Decimal("50.00"), "issued")


def test_a_partial_credit_note_lowers_the_balance_and_is_listed(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser, url = opened(factory, browser_for)
    page = browser.get(url)
    assert "No credit notes." in text(page)
    assert 'name="credit-0-quantity"' in page.text
    done = browser.post(
        f"{url}/credit-notes",
        {
            "reason": "Late delivery",
            "issue_date": today_utc().isoformat(),
            "credit-0-quantity": "0.25",
        },
    )
    assert redirected_to(done) == url
    shown = browser.get(url)
    number = f"CN-{YEAR}-0001"
    assert f"Credit note {number} of $25.00 issued." in text(shown)
    notes = t.owner.get("/api/v1/credit-notes", ws=t.ws, params={"invoice_id": t.issued["id"]})
    (note,) = notes.json()["items"]
    assert (note["number"], note["total"], note["reason"]) == (number, "25.00", "Late delivery")
    row = re.search(rf'<tr id="credit-note-{note["id"]}">(.*?)</tr>', shown.text, re.S)
    assert row
    assert [number, day(today_utc()), "Late delivery", "25.00"] == re.findall(
        r"<td[^>]*>([^<]*)</td>", row.group(1)
    )
    assert f"Credited {money('25.00', 'USD')}" in text(shown)
    assert f"Balance {money('75.00', 'USD')}" in text(shown)
    assert credited(factory, t.ws, t.issued["id"]) == (Decimal("25.00"), "issued")


def test_over_crediting_and_a_missing_quantity_show_on_the_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser, url = opened(factory, browser_for)
    paid = t.owner.post(
        f"/api/v1/invoices/{t.issued['id']}/payments", ws=t.ws, json={"amount": "60.00"}
    )
    assert paid.status_code == 201
    before = snapshot(factory.sql, t.ws)
    over = browser.post(f"{url}/credit-notes", {"reason": "All of it", "credit-0-quantity": "1"})
    assert over.status_code == 422
    assert "The credit note's total exceeds the invoice's balance of 40.00." in text(over)
    assert field_error(over.text, "lines") == "the total may be at most 40.00"
    assert 'value="All of it"' in over.text
    assert 'value="1"' in over.text
    none = browser.post(f"{url}/credit-notes", {"reason": "Nothing"})
    assert none.status_code == 422
    assert field_error(none.text, "lines") == "Enter a quantity to credit on one line at least."
    blank = browser.post(f"{url}/credit-notes", {"credit-0-quantity": "-1"})
    assert blank.status_code == 422
    assert field_error(blank.text, "reason") == "is required"
    assert field_error(blank.text, "credit-0-quantity") == "must be more than 0"
    assert snapshot(factory.sql, t.ws) == before

    filled = browser.post(f"{url}/credit-notes", {"reason": "x", "action": "all-lines"})
    assert filled.status_code == 200
    assert (
        'name="credit-0-quantity" type="number" step="0.001" min="0" max="1.000" value="1.000"'
        in filled.text
    )
    assert snapshot(factory.sql, t.ws) == before

    rest = browser.post(f"{url}/credit-notes", {"reason": "Rest", "credit-0-quantity": "0.4"})
    assert redirected_to(rest) == url
    assert credited(factory, t.ws, t.issued["id"]) == (Decimal("40.00"), "paid")
    settled = browser.get(url)
    assert "Issue credit note" not in settled.text  # nothing left to credit


def test_a_credit_note_in_the_locked_period_is_refused_on_the_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    old = issue(
        t.owner,
        t.ws,
        new_invoice(t.owner, t.ws, t.customer, issue_date="2026-01-10", lines=[line("2", "50")]),
    )
    locked = t.owner.put("/api/v1/books/lock-date", ws=t.ws, json={"lock_date": "2026-01-31"})
    assert locked.status_code == 200, locked.text
    before = snapshot(factory.sql, t.ws)
    url = invoice_url(t.ws, old["id"])
    refused = browser_for(t.owner).post(
        f"{url}/credit-notes",
        {"reason": "Back then", "issue_date": "2026-01-20", "credit-0-quantity": "1"},
    )
    assert refused.status_code == 409
    assert "The period is closed" in text(refused)
    assert snapshot(factory.sql, t.ws) == before


def test_void_is_the_full_credit_note_listed_on_the_invoice(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser, url = opened(factory, browser_for)
    assert redirected_to(browser.post(f"{url}/void")) == url
    shown = browser.get(url)
    assert f"CN-{YEAR}-0001" in text(shown)
    assert "Void" in text(shown)
    assert f"Credited {money('100.00', 'USD')}" in text(shown)
    assert f"Balance {money('0.00', 'USD')}" in text(shown)
    assert "Issue credit note" not in shown.text
    assert credited(factory, t.ws, t.issued["id"]) == (Decimal("100.00"), "void")
