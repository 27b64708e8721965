"""The report pages: each shows the API's figures of real postings, downloads the API's CSV,
drills down from an account figure to its general ledger and from a ledger line to its
journal entry and invoice; refused dates show on the form; the access cases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from typing import Any

import httpx
import pytest

from atlas.web.formats import money
from tests.factories import Factory
from tests.finance.helpers import Tenant, new_tenant, snapshot, today_utc
from tests.web.conftest import BrowserFor
from tests.web.helpers import assert_page_access, text

ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S)
HREF = re.compile(r'href="([^"]+)"')


def rows(resp: httpx.Response, table: str) -> list[list[str]]:
    """The cells' text of each row of the table with id `table`."""
    match = re.search(rf'<table[^>]*id="{table}".*?</table>', resp.text, re.S)
    assert match, f"no table {table}: {resp.text[:500]}"
    found = []
    for row in ROW.findall(match.group(0)):
        cells = [
            re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
            for c in CELL.findall(row)
        ]
        found.append(cells)
    return found


def links(resp: httpx.Response) -> list[str]:
    return [unescape(h) for h in HREF.findall(resp.text)]


def posted(factory: Factory) -> Tenant:
    """A tenant whose issued invoice (100.00) was paid 40.00: postings of an invoice and a
    payment."""
    t = new_tenant(factory)
    paid = t.owner.post(
        f"/api/v1/invoices/{t.issued['id']}/payments", ws=t.ws, json={"amount": "40.00"}
    )
    assert paid.status_code == 201, paid.text
    return t


def api(t: Tenant, report: str, params: dict[str, str]) -> dict[str, Any]:
    resp = t.owner.get(f"/api/v1/reports/{report}", ws=t.ws, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def base(t: Tenant) -> str:
    return f"/w/{t.ws['slug']}/reports"


def ledger_link(t: Tenant, account_id: str, start: str, end: str) -> str:
    return f"{base(t)}/general-ledger?account_id={account_id}&from={start}&to={end}"


# Access


@dataclass(frozen=True)
class Route:
    path: str

    def url(self, t: Tenant, account_of: Tenant | None = None) -> str:
        account = receivable_account(account_of or t)
        return base(t) + self.path.format(account=account)

    def __str__(self) -> str:
        return self.path


def receivable_account(t: Tenant) -> str:
    (row,) = t.owner.get("/api/v1/accounts", ws=t.ws, params={"q": "1200"}).json()["items"][:1]
    account_id: str = row["id"]
    return account_id


ROUTES = [
    Route(""),
    Route("/trial-balance"),
    Route("/trial-balance?format=csv"),
    Route("/profit-and-loss"),
    Route("/balance-sheet"),
    Route("/general-ledger?account_id={account}"),
    Route("/receivables-aging"),
]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_access(route: Route, factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    url = route.url(a)

    if "{account}" in route.path:
        cross = browser_for(a.owner).get(route.url(a, b))
        assert cross.status_code == 404
        assert "Account not found." in text(cross)

    assert_page_access(
        browser_for,
        url,
        stranger=b.owner,
        denied=factory.member(a.ws, "member"),
        allowed=factory.member(a.ws, "admin"),
        permission="reports:read",
    )
    assert (snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)) == before


def test_the_nav_links_the_reports_for_those_who_read_them(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    nav = f'href="/w/{t.ws["slug"]}/reports"'
    assert nav in browser_for(t.owner).get(f"/w/{t.ws['slug']}/").text
    assert nav not in browser_for(factory.member(t.ws, "member")).get(f"/w/{t.ws['slug']}/").text
    index = browser_for(t.owner).get(base(t))
    for slug in ("trial-balance", "profit-and-loss", "balance-sheet", "general-ledger"):
        assert f"{base(t)}/{slug}" in links(index)
    assert f"{base(t)}/receivables-aging" in links(index)


# The reports' figures and their drill-down


def test_the_trial_balance_shows_the_apis_figures_and_drills_down(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = posted(factory)
    browser = browser_for(t.owner)
    on = today_utc().isoformat()
    report = api(t, "trial-balance", {"as_of": on})
    page = browser.get(f"{base(t)}/trial-balance?as_of={on}")
    assert page.status_code == 200
    shown = rows(page, "trial-balance")[2:]  # under the two header rows
    columns = ("opening_debit", "opening_credit", "movement_debit", "movement_credit")
    expected = [
        [
            f"{r['code']} {r['name']}",
            *(money(r[c]) for c in (*columns, "closing_debit", "closing_credit")),
        ]
        for r in report["rows"]
    ]
    totals = report["totals"]
    assert shown == [*expected, ["Total", *(money(v) for v in totals.values())]]
    assert len(report["rows"]) == 3  # receivables, the bank, sales
    start = report["fiscal_year_start"]
    for r in report["rows"]:
        assert ledger_link(t, r["account_id"], start, on) in links(page)

    receivable = next(r for r in report["rows"] if r["code"] == "1200")
    ledger = browser.get(ledger_link(t, receivable["account_id"], start, on))
    assert ledger.status_code == 200
    gl = api(t, "general-ledger", {"account_id": receivable["account_id"], "from": start, "to": on})
    lines = rows(ledger, "general-ledger")
    assert [line[-1] for line in lines[2:-1]] == [money(i["balance"]) for i in gl["items"]]
    assert lines[-1][-1] == money(gl["closing_balance"], "USD") == money("60.00", "USD")
    invoice_url = f"/w/{t.ws['slug']}/invoices/{t.issued['id']}"
    for item in gl["items"]:
        assert f"/w/{t.ws['slug']}/journal/{item['entry_id']}" in links(ledger)
    # The invoice's own line and the payment's both lead to the invoice.
    assert links(ledger).count(invoice_url) == 2
    assert browser.get(invoice_url).status_code == 200


def test_profit_and_loss_and_balance_sheet_show_the_apis_figures(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = posted(factory)
    browser = browser_for(t.owner)
    on = today_utc()
    start = on.replace(month=1, day=1).isoformat()
    pnl = api(t, "profit-and-loss", {"from": start, "to": on.isoformat()})
    page = browser.get(f"{base(t)}/profit-and-loss?from={start}&to={on}&compare=previous_period")
    assert page.status_code == 200
    shown = rows(page, "profit-and-loss")
    (sales,) = [line for group in pnl["groups"] for line in group["lines"]]
    assert [f"{sales['code']} {sales['name']}", money(sales["amount"]), money("0")] in shown
    assert ["Net profit", money(pnl["net_profit"], "USD"), money("0", "USD")] == shown[-1]
    assert Decimal(pnl["net_profit"]) == Decimal("100.00")
    assert ledger_link(t, sales["account_id"], start, on.isoformat()) in links(page)
    previous = pnl["previous_period"]
    assert ledger_link(t, sales["account_id"], previous["start"], previous["end"]) in links(page)

    sheet = api(t, "balance-sheet", {"as_of": on.isoformat()})
    page = browser.get(f"{base(t)}/balance-sheet?as_of={on}")
    shown = rows(page, "balance-sheet")
    assert ["Total assets", money(sheet["assets"]["total"])] in shown
    assert ["Total liabilities and equity", money(sheet["liabilities_and_equity"], "USD")] == shown[
        -1
    ]
    for group in sheet["assets"]["groups"]:
        for line in group["lines"]:
            assert [f"{line['code']} {line['name']}", money(line["amount"])] in shown
            url = ledger_link(t, line["account_id"], sheet["fiscal_year_start"], on.isoformat())
            assert url in links(page)
    assert ["Current-year earnings", money("100.00")] in shown


def test_the_general_ledger_pages_and_chooses_its_account(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = posted(factory)
    browser = browser_for(t.owner)
    account = receivable_account(t)
    first = browser.get(f"{base(t)}/general-ledger")
    assert first.status_code == 200
    assert 'name="account_id"' in first.text
    assert f'<option value="{account}">1200 · Accounts receivable</option>' in first.text
    assert 'id="general-ledger"' not in first.text
    paged = browser.get(f"{base(t)}/general-ledger?account_id={account}&limit=1")
    assert len(rows(paged, "general-ledger")) == 4  # header, opening, one line, closing
    assert "1\u20131 of 2" in text(paged)
    assert f"account_id={account}&limit=1&offset=1" in unescape(paged.text)


def test_the_receivables_aging_shows_each_customer_and_links_them(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = posted(factory)
    browser = browser_for(t.owner)
    aging = api(t, "receivables-aging", {})
    page = browser.get(f"{base(t)}/receivables-aging")
    (customer,) = aging["customers"]
    buckets = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total")
    shown = rows(page, "receivables-aging")
    assert shown[1] == [customer["customer_name"], *(money(customer[b]) for b in buckets)]
    assert shown[-1] == ["Total", *(money(aging["totals"][b]) for b in buckets)]
    assert Decimal(customer["total"]) == Decimal("60.00")
    assert f"/w/{t.ws['slug']}/customers/{customer['customer_id']}" in links(page)
    invoices = f"/w/{t.ws['slug']}/invoices?customer_id={customer['customer_id']}&status=issued"
    assert invoices in links(page)
    assert t.issued["number"] in text(browser.get(invoices))


@pytest.mark.parametrize(
    ("report", "query"),
    [
        ("trial-balance", "as_of={on}"),
        ("profit-and-loss", "from=2026-01-01&to={on}"),
        ("balance-sheet", "as_of={on}"),
        ("receivables-aging", "as_of={on}"),
        ("general-ledger", "account_id={account}&from=2026-01-01&to={on}"),
    ],
)
def test_the_csv_download_is_the_apis(
    report: str, query: str, factory: Factory, browser_for: BrowserFor
) -> None:
    t = posted(factory)
    filled = query.format(on=today_utc(), account=receivable_account(t))
    page = browser_for(t.owner).get(f"{base(t)}/{report}?{filled}")
    assert f"?{filled}&format=csv" in unescape(page.text)
    resp = browser_for(t.owner).get(f"{base(t)}/{report}?{filled}&format=csv")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"] == f"attachment; filename={report}-{today_utc()}.csv"
    same = t.owner.get(f"/api/v1/reports/{report}?{filled}&format=csv", ws=t.ws)
    assert resp.text == same.text
    assert len(resp.text.splitlines()) >= 3  # a header, figures, a total


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ("trial-balance?as_of=2026-13-01", "as_of", "must be a date (YYYY-MM-DD)"),
        ("balance-sheet?as_of=1200-01-01", "as_of", "between"),
        ("profit-and-loss?from=2026-03-01&to=2026-02-01", "to", "must be on or after 'from'"),
        ("profit-and-loss?compare=yearly", "compare", "previous_period"),
        ("receivables-aging?as_of=soon", "as_of", "must be a date (YYYY-MM-DD)"),
        ("general-ledger?account_id=&from=2026-01-01", "account_id", "choose an account"),
    ],
)
def test_refused_dates_show_on_the_form(
    address: str, field: str, message: str, factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    resp = browser_for(t.owner).get(f"{base(t)}/{address}")
    assert resp.status_code == 422, resp.text[:500]
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', resp.text)
    assert error, resp.text[:2000]
    assert message in unescape(error.group(1))
    assert 'id="f-' + field + '"' in resp.text
    assert "Download CSV" not in resp.text
