"""The overdue rule at its boundary day, as the API, the list filter, the invoice page and
the dashboard show it: due today is not overdue, due yesterday is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import Actor, Factory
from tests.finance.helpers import issue, new_customer, new_invoice, today_utc
from tests.web.conftest import BrowserFor


def _issued(factory: Factory, days_ago: int) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws)
    due = today_utc() - timedelta(days=days_ago)
    draft = new_invoice(
        owner,
        ws,
        customer,
        issue_date=str(due - timedelta(days=14)),
        due_date=str(due),
    )
    return owner, ws, issue(owner, ws, draft)


@pytest.mark.parametrize(("days_ago", "overdue"), [(0, False), (1, True)])
def test_the_api_the_filter_and_the_dashboard_agree_at_the_due_date(
    factory: Factory, browser_for: BrowserFor, days_ago: int, overdue: bool
) -> None:
    owner, ws, invoice = _issued(factory, days_ago)
    assert invoice["overdue"] is overdue
    listed = owner.get("/api/v1/invoices", ws=ws, params={"status": "overdue"})
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == ([invoice["id"]] if overdue else [])
    browser = browser_for(owner)
    page = browser.get(f"/w/{ws['slug']}/invoices/{invoice['id']}")
    assert page.status_code == 200, page.text[:300]
    assert ("(overdue)" in page.text) is overdue
    board = browser.get(f"/w/{ws['slug']}/")
    assert board.status_code == 200, board.text[:300]
    assert f"({int(overdue)} overdue)" in board.text
