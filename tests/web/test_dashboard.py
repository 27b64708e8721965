"""The dashboard's figures, computed from a workspace made for each test."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from atlas.dashboard.service import chart_bars
from tests.factories import Actor, Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice
from tests.hr.helpers import (
    linked_employee,
    monday,
    new_department,
    new_employee,
    new_leave_request,
    new_leave_type,
)
from tests.web.conftest import BrowserFor
from tests.web.helpers import text


def section(resp: httpx.Response, name: str) -> str | None:
    """The visible text of the dashboard's card `<article id=name>` (or figure), or None
    if absent."""
    found = re.search(rf'<(article|figure) id="{name}">(.*?)</\1>', resp.text, flags=re.S)
    if found is None:
        return None
    return text(httpx.Response(200, text=found.group(2)))


def dashboard(browser_for: BrowserFor, actor: Actor, ws: dict[str, Any]) -> httpx.Response:
    resp = browser_for(actor).get(f"/w/{ws['slug']}/")
    assert resp.status_code == 200, resp.text[:300]
    return resp


def test_open_tasks_by_status(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = owner.post("/api/v1/projects", ws=ws, json={"code": "DSH", "name": "Dash"}).json()
    for status in ("todo", "todo", "in_progress", "done", "cancelled"):
        resp = owner.post(
            f"/api/v1/projects/{project['id']}/tasks", ws=ws, json={"title": "T", "status": status}
        )
        assert resp.status_code == 201, resp.text
    tasks = section(dashboard(browser_for, owner, ws), "open-tasks")
    assert tasks is not None
    assert "Todo 2" in tasks
    assert "In progress 1" in tasks
    assert "Blocked 0" in tasks


def test_receivables_overdue_and_latest_invoices(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, name="Initech", currency="USD")
    today = datetime.now(UTC).date()
    late = issue(
        owner,
        ws,
        new_invoice(
            owner,
            ws,
            customer,
            issue_date=(today - timedelta(days=40)).isoformat(),
            due_date=(today - timedelta(days=10)).isoformat(),
            lines=[line("2", "150.00")],
        ),
    )
    issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("1", "45.50")]))
    paid = issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("1", "80.00")]))
    resp = owner.post(
        f"/api/v1/invoices/{paid['id']}/payments",
        ws=ws,
        json={"amount": "80.00", "paid_on": today.isoformat(), "method": "bank_transfer"},
    )
    assert resp.status_code == 201, resp.text
    page = dashboard(browser_for, owner, ws)
    receivables = section(page, "receivables")
    assert receivables is not None
    assert "USD 345.50 (2) 300.00 (1 overdue)" in receivables
    assert f"{late['number']} · Initech · $300.00 Overdue" in receivables
    assert f"{paid['number']} · Initech · $80.00 Paid" in receivables


def test_headcount_by_department(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    sales = new_department(owner, ws, name="Sales")
    for _ in range(2):
        new_employee(owner, ws, department_id=sales["id"], status="active")
    new_employee(owner, ws, department_id=sales["id"], status="terminated")
    new_employee(owner, ws)
    headcount = section(dashboard(browser_for, owner, ws), "headcount")
    assert headcount == "Headcount Sales 2 No department 1"


def test_revenue_by_month_one_chart_a_currency(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    usd = new_customer(owner, ws, currency="USD")
    eur = new_customer(owner, ws, currency="EUR")
    issue(owner, ws, new_invoice(owner, ws, usd, lines=[line("3", "100.00", "20")]))
    issue(owner, ws, new_invoice(owner, ws, eur, lines=[line("1", "999.00")]))
    new_invoice(owner, ws, usd, lines=[line("1", "5000.00")])  # a draft is no revenue
    page = dashboard(browser_for, owner, ws)
    this_month = f"{datetime.now(UTC).date():%b}"
    # The base currency first, then the others; never added together.
    assert page.text.index('id="revenue-USD"') < page.text.index('id="revenue-EUR"')
    for currency, amount in (("USD", "300.00"), ("EUR", "999.00")):
        chart = section(page, f"revenue-{currency}")
        assert chart is not None
        assert chart.split(this_month)[-1].strip().endswith(amount)
        assert "1,299.00" not in chart
    assert "5,000.00" not in (section(page, "revenue") or "")
    assert page.text.count('class="bar"') == 24


def test_a_chart_in_yen_shows_whole_yen(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    yen = new_customer(owner, ws, currency="JPY")
    issue(owner, ws, new_invoice(owner, ws, yen, lines=[line("3", "500")]))
    chart = section(dashboard(browser_for, owner, ws), "revenue-JPY")
    assert chart is not None
    assert chart.split(f"{datetime.now(UTC).date():%b}")[-1].strip().endswith("1,500")


def test_revenue_is_net_of_credit_notes_and_keeps_voided_months(
    factory: Factory, browser_for: BrowserFor
) -> None:
    """Revenue is what the books' income accounts show: a credit note lowers its own
    month, and a voided invoice still counts in the month it was issued."""
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, currency="USD")
    today = datetime.now(UTC).date()
    kept = issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("4", "100.00", "20")]))
    credited = owner.post(
        f"/api/v1/invoices/{kept['id']}/credit-notes",
        ws=ws,
        json={"reason": "Returned", "lines": [line("1", "100.00", "20")]},
    )
    assert credited.status_code == 201, credited.text
    voided = issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("1", "70.00")]))
    assert owner.post(f"/api/v1/invoices/{voided['id']}/void", ws=ws).status_code == 200
    revenue = section(dashboard(browser_for, owner, ws), "revenue")
    assert revenue is not None
    # 400.00 issued less 100.00 credited; the void's 70.00 and its credit note cancel out.
    assert revenue.split(f"{today:%b}")[-1].strip().endswith("300.00")


def test_leave_waiting_for_the_viewer(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    kind = new_leave_type(owner, ws, name="Annual")
    boss, boss_employee = linked_employee(factory, owner, ws, "member")
    staff, _ = linked_employee(
        factory, owner, ws, "member", manager_id=boss_employee["id"], first_name="Zed"
    )
    outsider, _ = linked_employee(factory, owner, ws, "member")
    new_leave_request(staff, ws, kind, monday(10), monday(10) + timedelta(days=1))
    for viewer in (boss, owner):
        waiting = section(dashboard(browser_for, viewer, ws), "leave-waiting")
        assert waiting is not None
        assert "Zed" in waiting
        assert "Annual" in waiting
    waiting = section(dashboard(browser_for, outsider, ws), "leave-waiting")
    assert waiting == "Leave waiting for you Nothing to decide."


def test_a_role_sees_only_the_figures_it_may_read(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/roles",
        ws=ws,
        json={"name": "greeter", "permissions": ["workspace:read", "tasks:read"]},
    )
    assert resp.status_code == 201, resp.text
    greeter = factory.member(ws, "member")
    members = owner.get("/api/v1/members", ws=ws, params={"q": greeter.email}).json()["items"]
    changed = owner.patch(f"/api/v1/members/{members[0]['id']}", ws=ws, json={"role": "greeter"})
    assert changed.status_code == 200, changed.text
    page = dashboard(browser_for, greeter, ws)
    assert section(page, "open-tasks") is not None
    for hidden in ("receivables", "headcount", "revenue"):
        assert section(page, hidden) is None, hidden
    assert "Customers" not in text(page)


def test_a_month_below_zero_has_no_bar_and_the_top_month_is_full_height() -> None:
    bars = chart_bars(
        [(date(2026, 1, 1), Decimal("-60.00")), (date(2026, 2, 1), Decimal("100.00"))]
    )
    assert [(bar["label"], bar["amount"], bar["height"]) for bar in bars] == [
        ("Jan", Decimal("-60.00"), 0),
        ("Feb", Decimal("100.00"), 120),
    ]
    assert [bar["height"] for bar in chart_bars([(date(2026, 1, 1), Decimal("-5"))])] == [0]
