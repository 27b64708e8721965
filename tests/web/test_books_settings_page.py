"""The books' settings page: the lock date shown, moved forward through its form, and
its refusals (backwards, today or later) shown there with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from tests.exports.helpers import member_with_permissions
from tests.factories import Factory
from tests.finance.helpers import Tenant, new_tenant, snapshot, today_utc
from tests.web.conftest import BrowserFor
from tests.web.helpers import (
    assert_ledger_page_access,
    field_error,
    redirected_to,
    text,
)


def _url(t: Tenant) -> str:
    return f"/w/{t.ws['slug']}/settings/books"


def _lock_date(t: Tenant) -> Any:
    books = t.owner.get("/api/v1/books", ws=t.ws)
    assert books.status_code == 200, books.text
    return books.json()["lock_date"]


def test_access(factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    reader = member_with_permissions(factory, a, ["ledger:read"])
    assert_ledger_page_access(factory, browser_for, _url(a), a.ws, b.owner, reader)
    form = {"lock_date": str(today_utc() - timedelta(days=30))}
    assert redirected_to(browser_for(None).post(_url(a), form)) == f"/sign-in?next={quote('/')}"
    assert browser_for(b.owner).post(_url(a), form).status_code == 404
    denied = browser_for(reader).post(_url(a), form)
    assert denied.status_code == 403
    assert "books:lock" in text(denied)
    # The reader sees the lock date, not the form to move it.
    shown = browser_for(reader).get(_url(a))
    assert 'name="lock_date"' not in shown.text
    assert "Moving the lock date takes the books:lock permission." in text(shown)
    assert (snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)) == before
    assert _lock_date(a) is None


def test_the_lock_date_moves_forward_through_the_form(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    page = browser.get(_url(t))
    assert page.status_code == 200
    assert "Locked up to Not locked: every period is open." in text(page)
    assert 'data-confirm="Lock the books up to this day?' in page.text
    assert f'href="{_url(t)}"' in browser.get(f"/w/{t.ws['slug']}/settings").text

    first = today_utc() - timedelta(days=40)
    done = browser.post(_url(t), {"lock_date": str(first)})
    assert redirected_to(done) == _url(t)
    assert _lock_date(t) == str(first)
    assert f"The books are locked up to {first}." in text(browser.get(_url(t)))

    later = first + timedelta(days=10)
    assert redirected_to(browser.post(_url(t), {"lock_date": str(later)})) == _url(t)
    assert _lock_date(t) == str(later)


def test_a_lock_date_backwards_or_not_in_the_past_is_refused(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    browser = browser_for(t.owner)
    locked = today_utc() - timedelta(days=20)
    assert redirected_to(browser.post(_url(t), {"lock_date": str(locked)})) == _url(t)

    for day in (locked, locked - timedelta(days=1)):
        back = browser.post(_url(t), {"lock_date": str(day)})
        assert back.status_code == 409
        assert f"The lock date only moves forward: it is {locked}." in text(back)
        assert field_error(back.text, "lock_date") == f"must be after {locked}"

    today = today_utc()
    ahead = browser.post(_url(t), {"lock_date": str(today)})
    assert ahead.status_code == 422
    assert field_error(ahead.text, "lock_date") == f"must be before {today}"
    assert f'value="{today}"' in ahead.text  # what was typed stays

    blank = browser.post(_url(t), {"lock_date": ""})
    assert blank.status_code == 422
    assert _lock_date(t) == str(locked)
    yesterday = today - timedelta(days=1)
    assert redirected_to(browser.post(_url(t), {"lock_date": str(yesterday)})) == _url(t)
    assert _lock_date(t) == str(yesterday)
