"""The journal entry page: an entry's lines and totals, its document, its reversal."""

from __future__ import annotations

from typing import Any

from atlas.web.formats import money
from tests.factories import Factory
from tests.finance.helpers import Tenant, new_tenant, snapshot
from tests.ledger.journal_helpers import accounts, post_entry, rent
from tests.web.conftest import BrowserFor
from tests.web.helpers import assert_page_access, field_error, text


def _entry_of(t: Tenant, source_type: str) -> dict[str, Any]:
    found = t.owner.get("/api/v1/journal-entries", ws=t.ws, params={"limit": 100}).json()
    entry: dict[str, Any] = next(e for e in found["items"] if e["source_type"] == source_type)
    return entry


def _url(t: Tenant, entry_id: str) -> str:
    return f"/w/{t.ws['slug']}/journal/{entry_id}"


def test_access(factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    url = _url(a, _entry_of(a, "invoice")["id"])

    cross = browser_for(a.owner).get(_url(a, _entry_of(b, "invoice")["id"]))
    assert cross.status_code == 404
    assert "Journal entry not found." in text(cross)

    assert_page_access(
        browser_for,
        url,
        stranger=b.owner,
        denied=factory.member(a.ws, "member"),
        allowed=factory.member(a.ws, "admin"),
        permission="ledger:read",
    )
    assert (snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)) == before


def test_an_invoices_entry_shows_its_lines_totals_and_invoice(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    entry = _entry_of(t, "invoice")
    full = t.owner.get(f"/api/v1/journal-entries/{entry['id']}", ws=t.ws).json()
    page = browser_for(t.owner).get(_url(t, entry["id"]))
    assert page.status_code == 200, page.text[:300]
    shown = text(page)
    assert f"Journal entry {entry['number']}" in shown
    for line in full["lines"]:
        assert f"{line['account_code']} · {line['account_name']}" in shown
    assert f'href="/w/{t.ws["slug"]}/invoices/{t.issued["id"]}"' in page.text
    total = money(full["total"], full["currency"])
    assert f"Totals {total} {total}" in shown


def test_a_reversed_payment_links_both_ways(factory: Factory, browser_for: BrowserFor) -> None:
    t = new_tenant(factory)
    invoice = t.issued["id"]
    paid = t.owner.post(f"/api/v1/invoices/{invoice}/payments", ws=t.ws, json={"amount": "40.00"})
    assert paid.status_code == 201, paid.text
    payment = paid.json()["id"]
    reversed_ = t.owner.post(f"/api/v1/invoices/{invoice}/payments/{payment}/reverse", ws=t.ws)
    assert reversed_.status_code == 200, reversed_.text
    original, mirror = _entry_of(t, "payment"), _entry_of(t, "reversal")
    page = browser_for(t.owner).get(_url(t, original["id"]))
    assert f'href="{_url(t, mirror["id"])}"' in page.text
    assert f'href="/w/{t.ws["slug"]}/invoices/{invoice}"' in page.text
    back = browser_for(t.owner).get(_url(t, mirror["id"]))
    assert f'href="{_url(t, original["id"])}"' in back.text


def test_the_journal_lists_filters_and_searches_the_entries(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    paid = t.owner.post(
        f"/api/v1/invoices/{t.issued['id']}/payments", ws=t.ws, json={"amount": "40.00"}
    )
    assert paid.status_code == 201, paid.text
    browser = browser_for(t.owner)
    home = browser.get(f"/w/{t.ws['slug']}/")
    assert f'href="/w/{t.ws["slug"]}/journal"' in home.text
    invoice, payment = _entry_of(t, "invoice"), _entry_of(t, "payment")
    everything = browser.get(f"/w/{t.ws['slug']}/journal")
    assert everything.status_code == 200
    for entry in (invoice, payment):
        assert f'href="{_url(t, entry["id"])}"' in everything.text
    payments = browser.get(f"/w/{t.ws['slug']}/journal", params={"source_type": "payment"})
    assert f'href="{_url(t, payment["id"])}"' in payments.text
    assert f'href="{_url(t, invoice["id"])}"' not in payments.text
    found = browser.get(f"/w/{t.ws['slug']}/journal", params={"q": invoice["number"]})
    assert f'href="{_url(t, invoice["id"])}"' in found.text
    assert f'href="{_url(t, payment["id"])}"' not in found.text
    nothing = browser.get(f"/w/{t.ws['slug']}/journal", params={"q": "no such entry"})
    assert "No entry matches these filters." in text(nothing)
    member = factory.member(t.ws, "member")
    assert browser_for(member).get(f"/w/{t.ws['slug']}/journal").status_code == 403
    assert f'/w/{t.ws["slug"]}/journal"' not in browser_for(member).get(f"/w/{t.ws['slug']}/").text


def test_the_journal_is_filtered_by_dates_and_refuses_a_bad_one(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    march = post_entry(
        t.owner, t.ws, rent(accounts(factory.sql, t.ws), "30.00", "2026-03-02", memo="March")
    )
    invoice = _entry_of(t, "invoice")
    browser = browser_for(t.owner)
    url = f"/w/{t.ws['slug']}/journal"
    found = browser.get(url, params={"from": "2026-03-01", "to": "2026-03-31"})
    assert found.status_code == 200
    assert f'href="{_url(t, march["id"])}"' in found.text
    assert f'href="{_url(t, invoice["id"])}"' not in found.text
    assert 'value="2026-03-31"' in found.text
    after = browser.get(url, params={"from": "2026-03-03"})
    assert f'href="{_url(t, march["id"])}"' not in after.text
    assert f'href="{_url(t, invoice["id"])}"' in after.text
    bad = browser.get(url, params={"from": "2026-02-30"})
    assert bad.status_code == 422
    assert field_error(bad.text, "from")
    assert f'href="{_url(t, invoice["id"])}"' in bad.text  # every entry, the refusal shown
