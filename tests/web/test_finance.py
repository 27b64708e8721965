"""The finance pages: customers, invoices, payments, the printable invoice, invoices from
time; the five access cases of every route, and what each page does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from atlas.db.ids import uuid7
from tests.exports.helpers import member_with_permissions
from tests.factories import Actor, Factory
from tests.finance.helpers import (
    Tenant,
    issue,
    line,
    new_customer,
    new_invoice,
    new_tenant,
    snapshot,
)
from tests.ledger.journal_helpers import accounts
from tests.roles.helpers import new_role
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, redirected_to, text

READS = ("customers:read", "invoices:read")
TWO_LINES = {
    "lines-0-description": "Design",
    "lines-0-quantity": "0.335",
    "lines-0-unit_price": "3.00",
    "lines-0-tax_rate": "19",
    "lines-1-description": "Build",
    "lines-1-quantity": "2",
    "lines-1-unit_price": "10.50",
    "lines-1-tax_rate": "7",
}
# By the money rule: 1.01 + 0.19 and 21.00 + 1.47.
TWO_LINES_TOTALS = ("22.01", "1.66", "23.67")


def _ids(t: Tenant) -> dict[str, str]:
    return {
        "customer": t.customer["id"],
        "spare": t.spare_customer["id"],
        "draft": t.draft["id"],
        "issued": t.issued["id"],
    }


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str
    data: Callable[[Tenant], dict[str, Any]] = field(default=lambda t: {})
    writes: bool = True

    def url(self, t: Tenant, objects: Tenant | None = None) -> str:
        return f"/w/{t.ws['slug']}" + self.path.format(**_ids(objects or t))

    @property
    def has_id(self) -> bool:
        return "{" in self.path

    def send(self, browser: Browser, url: str, t: Tenant) -> httpx.Response:
        if self.method == "GET":
            return browser.get(url)
        return browser.post(url, self.data(t))

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/customers", "customers:read"),
    Route("GET", "/customers/new", "customers:manage"),
    Route("POST", "/customers/new", "customers:manage", lambda t: {"name": "Web customer"}),
    Route("GET", "/customers/{customer}", "customers:read"),
    Route("GET", "/customers/{customer}/edit", "customers:manage"),
    Route(
        "POST",
        "/customers/{customer}/edit",
        "customers:manage",
        lambda t: {"name": "Renamed customer", "payment_terms_days": "14"},
    ),
    Route("POST", "/customers/{spare}/delete", "customers:manage"),
    Route("GET", "/choices/customers?field=customer_id", "customers:read", writes=False),
    Route("GET", "/invoices", "invoices:read"),
    Route("GET", "/invoices/new", "invoices:write"),
    Route(
        "POST",
        "/invoices/new",
        "invoices:write",
        lambda t: {"customer_id": t.customer["id"], **TWO_LINES},
    ),
    Route("POST", "/invoices/totals", "invoices:write", lambda t: TWO_LINES, writes=False),
    Route("GET", "/invoices/from-time", "invoices:write"),
    Route(
        "POST",
        "/invoices/from-time",
        "invoices:write",
        lambda t: {
            "customer_id": t.customer["id"],
            "project_id": t.project["id"],
            "from": "2026-03-01",
            "to": "2026-03-31",
            "group_by": "employee",
        },
    ),
    Route("GET", "/invoices/{draft}", "invoices:read"),
    Route("GET", "/invoices/{draft}/edit", "invoices:write"),
    Route(
        "POST",
        "/invoices/{draft}/edit",
        "invoices:write",
        lambda t: {"customer_id": t.customer["id"], **TWO_LINES},
    ),
    Route("POST", "/invoices/{draft}/issue", "invoices:issue"),
    Route("POST", "/invoices/{issued}/void", "invoices:void"),
    Route("POST", "/invoices/{draft}/delete", "invoices:write"),
    Route("POST", "/invoices/{issued}/payments", "payments:record", lambda t: {"amount": "10"}),
    Route("GET", "/invoices/{issued}/print", "invoices:read"),
    Route("GET", "/invoices/{issued}/pdf", "invoices:read"),
    Route("POST", "/invoices/{issued}/send", "invoices:issue", lambda t: {"to": "ap@example.com"}),
]


def _member_with_permissions(factory: Factory, t: Tenant, permissions: list[str]) -> Actor:
    """A member holding a custom role with just `permissions`."""
    role = new_role(t.owner, t.ws, permissions=permissions)
    user = factory.user()
    factory.sql.owner(
        "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        t.ws["id"],
        uuid7(),
        user.id,
        role["name"],
        role["id"],
        workspace=t.ws["id"],
    )
    return user


def _denied(factory: Factory, t: Tenant, permission: str) -> Actor:
    if permission in READS:
        return _member_with_permissions(factory, t, ["workspace:read"])
    return factory.member(t.ws, "member")


def _allowed(factory: Factory, t: Tenant, permission: str) -> Actor:
    return factory.member(t.ws, "viewer" if permission in READS else "admin")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_access(route: Route, factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before_a, before_b = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    url = route.url(a)

    anonymous = route.send(browser_for(None), url, a)
    next_path = url if route.method == "GET" else "/"
    assert redirected_to(anonymous) == f"/sign-in?next={quote(next_path, safe='/')}"

    stranger = route.send(browser_for(b.owner), url, a)
    assert stranger.status_code == 404
    assert "Page not found" in text(stranger)

    if route.has_id:
        cross = route.send(browser_for(a.owner), route.url(a, b), a)
        assert cross.status_code == 404
        assert "Page not found" in text(cross)

    denied = route.send(browser_for(_denied(factory, a, route.permission)), url, a)
    assert denied.status_code == 403
    assert snapshot(factory.sql, a.ws) == before_a
    assert snapshot(factory.sql, b.ws) == before_b

    allowed = route.send(browser_for(_allowed(factory, a, route.permission)), url, a)
    if route.method == "GET" or not route.writes:
        assert allowed.status_code == 200, allowed.text[:500]
    else:
        assert redirected_to(allowed).startswith(f"/w/{a.ws['slug']}/")
        assert snapshot(factory.sql, a.ws) != before_a
    assert snapshot(factory.sql, b.ws) == before_b


# Customers


def test_customer_form_errors_keep_the_values_and_names_are_escaped(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    base = f"/w/{t.ws['slug']}"
    bad = browser.post(f"{base}/customers/new", {"name": "Acme", "email": "not-an-email"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert 'value="Acme"' in bad.text
    assert 'value="not-an-email"' in bad.text

    payload = "<script>alert(1)</script>"
    created = browser.post(f"{base}/customers/new", {"name": payload, "currency": "eur"})
    location = redirected_to(created)
    detail = browser.get(location)
    assert payload not in detail.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text
    assert f"Customer {payload} added." in text(detail)
    rows = factory.sql.owner(
        "SELECT currency FROM customers WHERE name = %s", payload, workspace=t.ws["id"]
    )
    assert rows == [{"currency": "EUR"}]
    listing = browser.get(f"{base}/customers?q=script")
    assert "&lt;script&gt;" in listing.text
    assert payload not in listing.text


def test_customer_edit_and_delete(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    base = f"/w/{t.ws['slug']}/customers"
    form = browser.get(f"{base}/{t.customer['id']}/edit")
    assert f'value="{t.customer["name"]}"' in form.text
    saved = browser.post(
        f"{base}/{t.customer['id']}/edit",
        {"name": "Globex", "email": "", "billing_address": "1 Main St", "payment_terms_days": "7"},
    )
    assert redirected_to(saved) == f"{base}/{t.customer['id']}"
    row = factory.sql.owner(
        "SELECT name, billing_address, payment_terms_days FROM customers WHERE id = %s",
        t.customer["id"],
        workspace=t.ws["id"],
    )[0]
    assert row == {"name": "Globex", "billing_address": "1 Main St", "payment_terms_days": 7}
    refused = browser.post(f"{base}/{t.customer['id']}/delete")
    assert refused.status_code == 409
    assert "has invoices" in text(refused)
    gone = browser.post(f"{base}/{t.spare_customer['id']}/delete")
    assert redirected_to(gone) == base
    assert (
        factory.sql.owner(
            "SELECT 1 FROM customers WHERE id = %s", t.spare_customer["id"], workspace=t.ws["id"]
        )
        == []
    )


def test_a_customers_income_account_is_chosen_shown_and_cleared(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    base = f"/w/{t.ws['slug']}/customers"
    codes = accounts(factory.sql, t.ws)
    form = browser.get(f"{base}/new")
    assert f'<option value="{codes["4200"]}">4200 · Services</option>' in form.text
    assert codes["6200"] not in form.text  # income accounts only
    made = browser.post(
        f"{base}/new", {"name": "Consulting Co", "income_account_id": codes["4200"]}
    )
    customer = redirected_to(made)
    found = t.owner.get(f"/api/v1/customers/{customer.rsplit('/', 1)[1]}", ws=t.ws).json()
    assert found["income_account_id"] == codes["4200"]
    assert "Income account 4200 · Services" in text(browser.get(customer))

    wrong = browser.post(
        f"{customer}/edit", {"name": "Consulting Co", "income_account_id": codes["6200"]}
    )
    assert wrong.status_code == 422
    assert "not an active income account of this workspace" in wrong.text

    # One who manages customers without reading the books keeps the account as it is.
    manager = member_with_permissions(factory, t, ["customers:read", "customers:manage"])
    theirs = browser_for(manager)
    assert 'name="income_account_id"' not in theirs.get(f"{customer}/edit").text
    assert "Income account" not in text(theirs.get(customer))
    kept = theirs.post(f"{customer}/edit", {"name": "Consulting Co", "payment_terms_days": "14"})
    assert redirected_to(kept) == customer
    found_url = f"/api/v1/customers/{found['id']}"
    assert t.owner.get(found_url, ws=t.ws).json()["income_account_id"] == codes["4200"]

    cleared = browser.post(f"{customer}/edit", {"name": "Consulting Co"})
    assert redirected_to(cleared) == customer
    assert t.owner.get(found_url, ws=t.ws).json()["income_account_id"] is None
    assert "Income account Sales, the default" in text(browser.get(customer))


# Invoices: the form


def test_a_draft_with_two_lines_stores_the_services_totals(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    resp = browser.post(
        f"/w/{t.ws['slug']}/invoices/new",
        {"customer_id": t.customer["id"], "notes": "Thanks", **TWO_LINES, "lines-2-tax_rate": ""},
    )
    invoice_id = redirected_to(resp).rsplit("/", 1)[1]
    row = factory.sql.owner(
        "SELECT subtotal, tax_total, total, status, notes FROM invoices WHERE id = %s",
        invoice_id,
        workspace=t.ws["id"],
    )[0]
    assert (str(row["subtotal"]), str(row["tax_total"]), str(row["total"])) == TWO_LINES_TOTALS
    assert (row["status"], row["notes"]) == ("draft", "Thanks")
    lines = factory.sql.owner(
        "SELECT description, subtotal, tax FROM invoice_lines WHERE invoice_id = %s"
        " ORDER BY position",
        invoice_id,
        workspace=t.ws["id"],
    )
    assert [(r["description"], str(r["subtotal"]), str(r["tax"])) for r in lines] == [
        ("Design", "1.01", "0.19"),
        ("Build", "21.00", "1.47"),
    ]


def test_add_line_keeps_the_typed_values_and_stores_nothing(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    before = snapshot(factory.sql, t.ws)
    resp = browser_for(t.owner).post(
        f"/w/{t.ws['slug']}/invoices/new",
        {"customer_id": t.customer["id"], "action": "add-line", **TWO_LINES},
    )
    assert resp.status_code == 200
    assert "<h1>New invoice</h1>" in resp.text
    assert 'value="Design"' in resp.text
    assert 'value="10.50"' in resp.text
    assert 'name="lines-2-description" type="text" value=""' in resp.text
    assert "lines-3-description" not in resp.text
    assert "23.67" in text(resp)
    removed = browser_for(t.owner).post(
        f"/w/{t.ws['slug']}/invoices/new", {"action": "remove-0", **TWO_LINES}
    )
    assert 'value="Design"' not in removed.text
    assert 'name="lines-0-description" type="text" value="Build"' in removed.text
    assert snapshot(factory.sql, t.ws) == before


def test_invalid_lines_show_next_to_the_field(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    before = snapshot(factory.sql, t.ws)
    resp = browser_for(t.owner).post(
        f"/w/{t.ws['slug']}/invoices/{t.draft['id']}/edit",
        {"customer_id": t.customer["id"], **TWO_LINES, "lines-1-quantity": "0"},
    )
    assert resp.status_code == 422
    assert 'aria-describedby="lines-1-quantity-error"' in resp.text
    assert 'value="Build"' in resp.text
    assert snapshot(factory.sql, t.ws) == before


def test_the_live_totals(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices/totals"
    hx = {"HX-Request": "true"}
    ok = browser.post(url, {**TWO_LINES, "currency": "EUR"}, headers=hx)
    assert ok.status_code == 200
    assert 'id="invoice-totals"' in ok.text
    assert [f"{v}" in text(ok) for v in TWO_LINES_TOTALS] == [True, True, True]
    assert "€23.67" in text(ok)
    assert "<nav" not in ok.text
    bad = browser.post(url, {**TWO_LINES, "lines-1-quantity": "lots"}, headers=hx)
    assert bad.status_code == 200
    assert "Line 2, quantity" in text(bad)
    assert "23.67" not in text(bad)


# Invoices: issue, pay, void, print


def test_issue_gives_the_first_number_of_the_year(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    draft = new_invoice(owner, ws, new_customer(owner, ws))
    browser = browser_for(owner)
    resp = browser.post(f"/w/{ws['slug']}/invoices/{draft['id']}/issue")
    detail = browser.get(redirected_to(resp))
    number = f"INV-{datetime.now(UTC).year}-0001"
    assert f"Invoice {number} issued." in text(detail)
    assert f"<h1>Invoice {number}</h1>" in detail.text
    assert number in text(browser.get(f"/w/{ws['slug']}/invoices"))
    again = browser.post(f"/w/{ws['slug']}/invoices/{draft['id']}/issue")
    assert again.status_code == 409


def test_payments_up_to_the_balance(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices/{t.issued['id']}"
    detail = browser.get(url)
    assert 'name="amount" type="number" value="100.00"' in detail.text
    before = snapshot(factory.sql, t.ws)
    over = browser.post(f"{url}/payments", {"amount": "100.01", "reference": "R-1"})
    assert over.status_code == 422
    assert "The payment exceeds the balance of 100.00." in text(over)
    assert 'aria-invalid="true"' in over.text
    assert 'value="R-1"' in over.text
    day_before = (date.fromisoformat(t.issued["issue_date"]) - timedelta(days=1)).isoformat()
    early = browser.post(f"{url}/payments", {"amount": "10.00", "paid_on": day_before})
    assert early.status_code == 422
    assert "A payment is dated on or after the invoice's issue date." in text(early)
    assert re.search(r'name="paid_on"[^>]*aria-invalid="true"', early.text)
    assert snapshot(factory.sql, t.ws) == before
    paid = browser.post(f"{url}/payments", {"amount": "100.00", "method": "card"})
    assert redirected_to(paid) == url
    currency = t.issued["currency"]
    assert currency == "USD"
    assert "Payment of $100.00 recorded." in text(browser.get(url))
    row = factory.sql.owner(
        "SELECT status, amount_paid FROM invoices WHERE id = %s",
        t.issued["id"],
        workspace=t.ws["id"],
    )[0]
    assert (row["status"], str(row["amount_paid"])) == ("paid", "100.00")
    page = text(browser.get(url))
    assert "Paid" in page
    assert "Record a payment" not in page
    assert "Void" not in page


def test_the_printable_invoice(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    factory.sql.owner(
        "UPDATE customers SET billing_address = '12 Rue de la Paix' WHERE id = %s",
        t.customer["id"],
        workspace=t.ws["id"],
    )
    resp = browser_for(t.owner).get(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}/print")
    assert resp.status_code == 200
    page = text(resp)
    for expected in (t.issued["number"], t.customer["name"], "12 Rue de la Paix", "100.00"):
        assert expected in page
    assert t.ws["name"] in page
    assert "<nav" not in resp.text
    assert 'class="invoice-sheet"' in resp.text
    assert "data-print" in resp.text


def test_a_viewer_sees_no_actions(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    viewer = browser_for(factory.member(t.ws, "viewer"))
    base = f"/w/{t.ws['slug']}"
    for path in (f"/invoices/{t.draft['id']}", f"/invoices/{t.issued['id']}"):
        resp = viewer.get(base + path)
        assert resp.status_code == 200
        assert 'method="post"' not in resp.text.split('id="main"')[1]
        assert "/edit" not in resp.text
    assert "New customer" not in viewer.get(f"{base}/customers").text
    assert "New invoice" not in viewer.get(f"{base}/invoices").text
    admin = browser_for(factory.member(t.ws, "admin"))
    issued = admin.get(f"{base}/invoices/{t.issued['id']}")
    assert "Record a payment" in issued.text
    assert "Void" in text(issued)


def test_invoice_list_filters(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    issue(
        t.owner,
        t.ws,
        new_invoice(
            t.owner, t.ws, t.spare_customer, issue_date="2020-01-01", due_date="2020-01-31"
        ),
    )
    browser = browser_for(t.owner)
    base = f"/w/{t.ws['slug']}/invoices"
    overdue = text(browser.get(f"{base}?status=overdue"))
    assert t.spare_customer["name"] in overdue
    assert t.customer["name"] not in overdue.split("Number")[-1]
    drafts = text(browser.get(f"{base}?status=draft&customer_id=&q="))
    assert "Draft" in drafts
    assert t.issued["number"] not in drafts
    by_customer = text(browser.get(f"{base}?customer_id={t.spare_customer['id']}&sort=-total"))
    assert t.issued["number"] not in by_customer


def test_a_void_invoice_owes_nothing_on_its_page_and_in_the_list(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    voided = t.owner.post(f"/api/v1/invoices/{t.issued['id']}/void", ws=t.ws)
    assert voided.status_code == 200, voided.text
    browser = browser_for(t.owner)
    page = browser.get(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}")
    total = voided.json()["total"]
    assert f"Balance {total} " not in text(page)
    assert "Balance $0.00" in text(page)
    listed = browser.get(f"/w/{t.ws['slug']}/invoices", params={"status": "void"})
    row = re.search(rf"{t.issued['number']}</a>.*?</tr>", listed.text, re.S)
    assert row
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(0))[1] == "0.00"


def test_the_invoice_list_adds_up_its_filtered_rows_per_currency(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)  # an issued invoice of 100.00 and a draft
    eur = new_customer(t.owner, t.ws, currency="EUR")
    issue(t.owner, t.ws, new_invoice(t.owner, t.ws, eur, lines=[line("2", "30.00")]))
    paid = t.owner.post(
        f"/api/v1/invoices/{t.issued['id']}/payments", ws=t.ws, json={"amount": "40.00"}
    )
    assert paid.status_code == 201, paid.text
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/invoices"
    usd = t.issued["currency"]
    shown = text(browser.get(url, params={"status": "issued"}))
    assert "1 invoice in EUR €60.00 · balance €60.00" in shown
    assert usd == "USD"
    assert "1 invoice in USD $100.00 · balance $60.00" in shown
    # The totals follow the filters, not the page.
    only_eur = text(browser.get(url, params={"status": "issued", "q": "EUR-customer-none"}))
    assert "invoice in" not in only_eur
    every = text(browser.get(url, params={"limit": 1}))
    assert f"2 invoices in {usd}" in every  # the draft too, on every page


def test_the_printed_invoice_names_the_seller_from_the_settings(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    settings = f"/w/{t.ws['slug']}/settings"
    form = {
        "name": t.ws["name"],
        "slug": t.ws["slug"],
        "base_currency": "USD",
        "timezone": "UTC",
        "fiscal_year_start_month": "1",
        "legal_name": "Initrode Consulting GmbH",
        "address": "Hauptstrasse 1\n10115 Berlin",
        "tax_id": "DE123456789",
        "bank_details": "IBAN DE89 3704 0044 0532 0130 00",
    }
    assert redirected_to(browser.post(settings, form)) == settings
    printed = text(browser.get(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}/print"))
    for shown in ("Initrode Consulting GmbH", "10115 Berlin", "Tax ID: DE123456789"):
        assert shown in printed
    assert "How to pay IBAN DE89 3704 0044 0532 0130 00" in printed
    # Emptied on the form, a detail is cleared; the legal name falls back to the name.
    cleared = {k: v for k, v in form.items() if k not in ("legal_name", "bank_details")}
    assert redirected_to(browser.post(settings, cleared)) == settings
    workspace = t.owner.get(f"/api/v1/workspaces/{t.ws['id']}", ws=t.ws).json()
    assert (workspace["legal_name"], workspace["bank_details"]) == ("", "")
    again = text(browser.get(f"/w/{t.ws['slug']}/invoices/{t.issued['id']}/print"))
    assert t.ws["name"] in again
    assert "How to pay" not in again
    too_long = browser.post(settings, {**form, "tax_id": "X" * 65})
    assert too_long.status_code == 422
