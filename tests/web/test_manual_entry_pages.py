"""Manual journal entries on the web: the form and its live balance, its refusals with
what was typed kept, drafts saved, edited, posted and deleted, and the reversal of a
posted entry from its page; the access cases of each."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from tests.exports.helpers import member_with_permissions
from tests.factories import Factory
from tests.finance.helpers import Tenant, new_tenant, snapshot, today_utc
from tests.web.conftest import BrowserFor
from tests.web.helpers import (
    Browser,
    assert_ledger_page_access,
    assert_page_access,
    field_error,
    redirected_to,
    text,
)

YESTERDAY = str(today_utc() - timedelta(days=1))


def _url(t: Tenant, path: str = "") -> str:
    return f"/w/{t.ws['slug']}/journal{path}"


def _accounts(t: Tenant) -> dict[str, str]:
    found = t.owner.get("/api/v1/accounts", ws=t.ws, params={"limit": 200}).json()
    return {a["code"]: a["id"] for a in found["items"]}


def _form(t: Tenant, *lines: tuple[str, str, str], **header: str) -> dict[str, str]:
    """The entry form filled in: (account code, debit, credit) a line."""
    ids = _accounts(t)
    form = {"entry_date": YESTERDAY, "memo": "Office rent", **header}
    for i, (code, debit, credit) in enumerate(lines):
        form.update(
            {
                f"lines-{i}-account_id": ids[code] if code else "",
                f"lines-{i}-description": f"{code} side",
                f"lines-{i}-debit": debit,
                f"lines-{i}-credit": credit,
            }
        )
    return form


RENT = (("6200", "300.00", ""), ("1110", "", "300.00"))


def _entries(t: Tenant, source_type: str = "manual") -> list[dict[str, Any]]:
    found = t.owner.get(
        "/api/v1/journal-entries", ws=t.ws, params={"source_type": source_type, "limit": 100}
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


def _drafts(t: Tenant) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = t.owner.get("/api/v1/journal-drafts", ws=t.ws).json()["items"]
    return items


def _entry_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


def opened(factory: Factory, browser_for: BrowserFor) -> tuple[Tenant, Browser]:
    t = new_tenant(factory)
    return t, browser_for(t.owner)


def test_access(factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    reader = member_with_permissions(factory, a, ["ledger:read"])
    for url in (_url(a, "/new"),):
        assert_page_access(
            browser_for,
            url,
            stranger=b.owner,
            denied=reader,
            allowed=factory.member(a.ws, "admin"),
            permission="ledger:post",
        )
    assert_ledger_page_access(factory, browser_for, _url(a, "/drafts"), a.ws, b.owner, reader)
    made = a.owner.post("/api/v1/journal-drafts", ws=a.ws, json={"memo": "Accrual"})
    assert made.status_code == 201, made.text
    draft = _url(a, f"/drafts/{made.json()['id']}")
    other = b.owner.post("/api/v1/journal-drafts", ws=b.ws, json={"memo": "Theirs"}).json()
    posted = a.owner.post(
        "/api/v1/journal-entries",
        ws=a.ws,
        json={
            "entry_date": YESTERDAY,
            "lines": [
                {"account_id": _accounts(a)["6200"], "debit": "5.00"},
                {"account_id": _accounts(a)["1110"], "credit": "5.00"},
            ],
        },
    ).json()
    theirs = _entries(b, "invoice")[0]
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws), _drafts(a), _drafts(b)

    owner = browser_for(a.owner)
    assert owner.get(_url(a, f"/drafts/{other['id']}")).status_code == 404
    writes = [
        (_url(a, "/new"), _form(a, *RENT)),
        (draft, {"memo": "Changed", "action": "post"}),
        (f"{draft}/delete", {}),
        (_url(a, f"/{posted['id']}/reverse"), {"entry_date": YESTERDAY}),
        (_url(a, "/balance"), {}),
    ]
    for url, form in writes:
        assert redirected_to(browser_for(None).post(url, form)) == f"/sign-in?next={quote('/')}"
        assert browser_for(b.owner).post(url, form).status_code == 404
        denied = browser_for(reader).post(url, form)
        assert denied.status_code == 403
        assert "ledger:post" in text(denied)
    for url, form in (
        (_url(a, f"/drafts/{other['id']}"), {"memo": "Taken", "action": "post"}),
        (_url(a, f"/drafts/{other['id']}/delete"), {}),
        (_url(a, f"/{theirs['id']}/reverse"), {"entry_date": YESTERDAY}),
    ):
        cross = owner.post(url, form)
        assert cross.status_code == 404
        assert "Page not found" in text(cross)
    after = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws), _drafts(a), _drafts(b)
    assert after == before
    assert len(_entries(a)) == 1


def test_an_entry_is_posted_from_the_form(factory: Factory, browser_for: BrowserFor) -> None:
    t, browser = opened(factory, browser_for)
    form = browser.get(_url(t, "/new"))
    assert form.status_code == 200
    assert f'value="{today_utc()}"' in form.text  # dated today unless changed
    assert len(re.findall(r'name="lines-\d+-account_id"', form.text)) == 2
    assert f'href="{_url(t, "/new")}"' in browser.get(_url(t)).text

    done = browser.post(_url(t, "/new"), {**_form(t, *RENT), "action": "post"})
    (entry,) = _entries(t)
    assert redirected_to(done) == _url(t, f"/{entry['id']}")
    assert (entry["entry_date"], entry["memo"], entry["total"]) == (
        YESTERDAY,
        "Office rent",
        "300.00",
    )
    full = t.owner.get(f"/api/v1/journal-entries/{entry['id']}", ws=t.ws).json()
    assert [
        (li["account_code"], li["debit"], li["credit"], li["description"]) for li in full["lines"]
    ] == [
        ("6200", "300.00", "0.00", "6200 side"),
        ("1110", "0.00", "300.00", "1110 side"),
    ]
    shown = text(browser.get(redirected_to(done)))
    assert f"Entry {entry['number']} of $300.00 posted." in shown


def test_an_unbalanced_entry_is_refused_with_what_was_typed(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    typed = _form(t, ("6200", "300.00", ""), ("1110", "", "299.99"))
    refused = browser.post(_url(t, "/new"), {**typed, "action": "post"})
    assert refused.status_code == 422
    assert "The entry does not balance: debit 300.00, credit 299.99." in text(refused)
    assert 'value="299.99"' in refused.text
    assert "Off by 0.01 more debit" in text(refused)
    one_sided = browser.post(
        _url(t, "/new"), _form(t, ("6200", "5.00", "5.00"), ("1110", "", "5.00"))
    )
    assert one_sided.status_code == 422
    assert field_error(one_sided.text, "lines-0-credit") == "needs a debit or a credit, not both"
    no_account = browser.post(_url(t, "/new"), _form(t, ("", "5.00", ""), ("1110", "", "5.00")))
    assert no_account.status_code == 422
    assert field_error(no_account.text, "lines-0-account_id")
    assert _entries(t) == []


def test_an_inactive_account_and_the_locked_period_are_refused(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    rent = _accounts(t)["6200"]
    off = t.owner.patch(f"/api/v1/accounts/{rent}", ws=t.ws, json={"is_active": False})
    assert off.status_code == 200, off.text
    page = browser.get(_url(t, "/new"))
    assert f'value="{rent}"' not in page.text  # not offered
    inactive = browser.post(_url(t, "/new"), _form(t, *RENT))
    assert inactive.status_code == 422
    assert field_error(inactive.text, "lines-0-account_id") == "6200 is inactive"

    lock = t.owner.put("/api/v1/books/lock-date", ws=t.ws, json={"lock_date": YESTERDAY})
    assert lock.status_code == 200, lock.text
    locked = browser.post(_url(t, "/new"), _form(t, ("6300", "9.00", ""), ("1110", "", "9.00")))
    assert locked.status_code == 409
    assert "The period is closed" in text(locked)
    assert _entries(t) == []


def test_lines_are_added_and_removed_without_saving(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    typed = _form(t, *RENT)
    more = browser.post(_url(t, "/new"), {**typed, "action": "add-line"})
    assert more.status_code == 200
    assert len(re.findall(r'name="lines-\d+-account_id"', more.text)) == 3
    assert 'value="300.00"' in more.text
    fewer = browser.post(_url(t, "/new"), {**typed, "action": "remove-0"})
    assert len(re.findall(r'name="lines-\d+-account_id"', fewer.text)) == 1
    assert 'name="lines-0-description" type="text" value="1110 side"' in fewer.text
    assert _entries(t) == []
    assert _drafts(t) == []


def test_the_live_balance(factory: Factory, browser_for: BrowserFor) -> None:
    t, browser = opened(factory, browser_for)
    balanced = browser.post(_url(t, "/balance"), _form(t, *RENT, currency="USD"))
    assert balanced.status_code == 200
    assert text(balanced) == "Debits $300.00 Credits $300.00 Balanced ✓"
    off = browser.post(_url(t, "/balance"), _form(t, ("6200", "10.00", ""), ("1110", "", "12.50")))
    assert text(off) == "Debits 10.00 Credits 12.50 Off by 2.50 more credit"
    bad = browser.post(_url(t, "/balance"), _form(t, ("6200", "1.001", ""), ("1110", "", "1")))
    assert text(bad).startswith("Line 1, debit:")
    empty = browser.post(_url(t, "/balance"), {})
    assert text(empty) == "Debits 0.00 Credits 0.00 Balanced —"


def test_a_draft_is_saved_edited_posted_and_deleted(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    # A draft may be unbalanced and undated.
    saved = browser.post(
        _url(t, "/new"),
        {
            **_form(t, ("6200", "300.00", ""), ("1110", "", "200.00"), entry_date=""),
            "action": "draft",
        },
    )
    (draft,) = _drafts(t)
    assert redirected_to(saved) == _url(t, f"/drafts/{draft['id']}")
    assert (draft["memo"], draft["entry_date"]) == ("Office rent", None)
    listed = browser.get(_url(t, "/drafts"))
    assert f'href="{_url(t, "/drafts/" + draft["id"])}"' in listed.text
    assert "No date yet" in text(listed)
    page = browser.get(_url(t, f"/drafts/{draft['id']}"))
    assert 'value="200.00"' in page.text
    assert "Off by $100.00 more debit" in text(page)

    # Posting checks it in full; the draft stays as it was.
    url = _url(t, f"/drafts/{draft['id']}")
    unbalanced = browser.post(
        url, {**_form(t, ("6200", "300.00", ""), ("1110", "", "200.00")), "action": "post"}
    )
    assert unbalanced.status_code == 422
    assert "does not balance" in text(unbalanced)
    assert _drafts(t)[0]["entry_date"] is None
    assert _entries(t) == []

    edited = browser.post(url, {**_form(t, *RENT, memo="Rent, March"), "action": "draft"})
    assert redirected_to(edited) == url
    stored = t.owner.get(f"/api/v1/journal-drafts/{draft['id']}", ws=t.ws).json()
    assert (stored["memo"], stored["debit_total"], stored["credit_total"]) == (
        "Rent, March",
        "300.00",
        "300.00",
    )

    posted = browser.post(url, {**_form(t, *RENT, memo="Rent, March"), "action": "post"})
    (entry,) = _entries(t)
    assert redirected_to(posted) == _url(t, f"/{entry['id']}")
    assert (entry["memo"], entry["source_id"]) == ("Rent, March", draft["id"])
    assert _drafts(t) == []
    assert browser.get(url).status_code == 404

    again = browser.post(_url(t, "/new"), {**_form(t, *RENT), "action": "draft"})
    doomed = redirected_to(again)
    assert 'data-confirm="Delete this draft entry?"' in browser.get(doomed).text
    assert redirected_to(browser.post(f"{doomed}/delete")) == _url(t, "/drafts")
    assert _drafts(t) == []


def test_a_manual_entry_is_reversed_from_its_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    entry_url = redirected_to(browser.post(_url(t, "/new"), {**_form(t, *RENT), "action": "post"}))
    page = browser.get(entry_url)
    assert f'action="{entry_url}/reverse"' in page.text
    invoice_entry = _entries(t, "invoice")[0]
    assert "/reverse" not in browser.get(_url(t, f"/{invoice_entry['id']}")).text

    early = str(today_utc() - timedelta(days=2))
    lock = t.owner.put("/api/v1/books/lock-date", ws=t.ws, json={"lock_date": early})
    assert lock.status_code == 200, lock.text
    locked = browser.post(f"{entry_url}/reverse", {"entry_date": early, "memo": ""})
    assert locked.status_code == 409
    assert "The period is closed" in text(locked)
    assert f'value="{early}"' in locked.text  # the typed date stays
    assert _entries(t, "reversal") == []
    mirrored = browser.post(
        f"{entry_url}/reverse", {"entry_date": YESTERDAY, "memo": "Booked twice"}
    )
    (mirror,) = _entries(t, "reversal")
    assert redirected_to(mirrored) == _url(t, f"/{mirror['id']}")
    assert (mirror["memo"], mirror["reverses_entry_id"]) == ("Booked twice", _entry_id(entry_url))
    assert "/reverse" not in browser.get(entry_url).text  # reversed once
    twice = browser.post(f"{entry_url}/reverse", {"entry_date": YESTERDAY})
    assert twice.status_code == 409
    assert "reversed already" in text(twice)
    assert len(_entries(t, "reversal")) == 1
