"""Pages show money to the currency's minor unit: whole yen, cents."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice
from tests.web.conftest import BrowserFor
from tests.web.helpers import text


def test_an_invoice_page_shows_yen_without_and_dollars_with_decimals(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    yen = new_customer(owner, ws, currency="JPY")
    dollars = new_customer(owner, ws, currency="USD")
    in_yen = issue(owner, ws, new_invoice(owner, ws, yen, lines=[line("3", "333", "10")]))
    in_dollars = new_invoice(owner, ws, dollars, lines=[line("3", "333", "10")])
    browser = browser_for(owner)
    shown_yen = text(browser.get(f"/w/{ws['slug']}/invoices/{in_yen['id']}"))
    assert "¥1,099" in shown_yen
    assert "1,099.00" not in shown_yen
    assert "999.00" not in shown_yen
    shown_dollars = text(browser.get(f"/w/{ws['slug']}/invoices/{in_dollars['id']}"))
    assert "$1,098.90" in shown_dollars
    assert "999.00" in shown_dollars


def test_the_live_totals_round_to_whole_yen(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    url = f"/w/{ws['slug']}/invoices/totals"
    lines = {
        "lines-0-description": "Work",
        "lines-0-quantity": "3",
        "lines-0-unit_price": "333",
        "lines-0-tax_rate": "10",
    }
    hx = {"HX-Request": "true"}
    assert "¥1,099" in text(browser.post(url, {**lines, "currency": "JPY"}, headers=hx))
    finer = browser.post(url, {**lines, "lines-0-unit_price": "0.5", "currency": "JPY"}, headers=hx)
    assert "Line 1, unit price: JPY amounts have no decimals" in text(finer)


def test_amount_fields_step_by_the_currency_unit(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    yen = issue(owner, ws, new_invoice(owner, ws, new_customer(owner, ws, currency="JPY")))
    dollars = issue(owner, ws, new_invoice(owner, ws, new_customer(owner, ws, currency="USD")))
    browser = browser_for(owner)
    payment = 'id="f-amount" name="amount" type="number"'
    # The balance is offered as the amount, in the currency's unit.
    assert (
        f'{payment} value="100" required step="1"'
        in browser.get(f"/w/{ws['slug']}/invoices/{yen['id']}").text
    )
    assert (
        f'{payment} value="100.00" required step="0.01"'
        in browser.get(f"/w/{ws['slug']}/invoices/{dollars['id']}").text
    )


# The books' pages: figures alone, to the base currency's unit, the currency said once.

REPORTS = ("trial-balance", "profit-and-loss", "balance-sheet", "receivables-aging")
TABLE = re.compile(r'<table[^>]*id="([a-z-]+)".*?</table>', re.S)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _table(html: str, table: str) -> str:
    match = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S)
    assert match, html[:500]
    return text_of(match.group(0))


@pytest.mark.parametrize(
    ("currency", "figure", "total"), [("JPY", "1,234", "¥1,234"), ("USD", "1,234.00", "$1,234.00")]
)
def test_the_books_show_figures_in_the_base_currencys_unit(
    factory: Factory, browser_for: BrowserFor, currency: str, figure: str, total: str
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner("UPDATE workspaces SET base_currency = %s WHERE id = %s", currency, ws["id"])
    buyer = new_customer(owner, ws, currency=currency)
    invoice = issue(owner, ws, new_invoice(owner, ws, buyer, lines=[line("1", "1234")]))
    entries = owner.get("/api/v1/journal-entries", ws=ws, params={"source_type": "invoice"})
    (entry,) = entries.json()["items"]
    browser = browser_for(owner)
    reports = f"/w/{ws['slug']}/reports"

    def assert_figures(cells: str) -> None:
        assert figure in cells, cells
        # A yen figure has no decimals (a dollar figure its two, as `figure` says).
        assert bool(re.search(r"\d\.\d", cells)) == (currency != "JPY"), cells

    page = browser.get(f"/w/{ws['slug']}/journal/{entry['id']}")
    lines = _table(page.text, "entry-lines")
    assert_figures(lines)
    assert f"Totals {total} {total}" in lines
    assert f"Currency {currency}" in text_of(page.text)

    for report in REPORTS:
        shown = browser.get(f"{reports}/{report}")
        assert shown.status_code == 200, (report, shown.text[:300])
        assert f"In {currency}." in text_of(shown.text), report
        (table,) = TABLE.findall(shown.text)
        assert_figures(_table(shown.text, table))

    accounts = owner.get("/api/v1/accounts", ws=ws, params={"q": "1200"}).json()["items"]
    ledger = browser.get(f"{reports}/general-ledger?account_id={accounts[0]['id']}")
    assert f"In {currency}." in text_of(ledger.text)
    cells = _table(ledger.text, "general-ledger")
    assert_figures(cells)
    assert invoice["number"] in cells
