"""The chart of accounts' pages: the tree in order, an account added, renamed, moved,
deactivated and deleted through its form, and the database's refusals shown there."""

from __future__ import annotations

import re
from typing import Any

from tests.exports.helpers import member_with_permissions
from tests.factories import Factory
from tests.finance.helpers import Tenant, new_tenant, snapshot
from tests.ledger.journal_helpers import accounts, line, post_entry, rent
from tests.web.conftest import BrowserFor
from tests.web.helpers import (
    Browser,
    assert_ledger_page_access,
    assert_page_access,
    field_error,
    redirected_to,
    text,
)


def _accounts(t: Tenant) -> dict[str, dict[str, Any]]:
    """The workspace's accounts by code, read through the API."""
    found = t.owner.get("/api/v1/accounts", ws=t.ws, params={"limit": 200}).json()
    return {a["code"]: a for a in found["items"]}


def _url(t: Tenant, path: str = "") -> str:
    return f"/w/{t.ws['slug']}/accounts{path}"


def _edit(t: Tenant, account: dict[str, Any]) -> str:
    return _url(t, f"/{account['id']}/edit")


def _form_of(account: dict[str, Any], **changes: str) -> dict[str, str]:
    """The edit form as the page fills it in, with `changes` typed over it."""
    form = {k: account[k] or "" for k in ("code", "name", "type", "description", "currency")}
    form["parent_id"] = account["parent_id"] or ""
    form.update({k: "true" for k in ("is_group", "is_active") if account[k]})
    form.update(changes)
    return {k: v for k, v in form.items() if v != "off"}


def opened(factory: Factory, browser_for: BrowserFor) -> tuple[Tenant, Browser]:
    t = new_tenant(factory)
    return t, browser_for(t.owner)


def test_access(factory: Factory, browser_for: BrowserFor) -> None:
    a, b = new_tenant(factory), new_tenant(factory)
    before = snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)
    reader = member_with_permissions(factory, a, ["ledger:read"])
    assert_ledger_page_access(factory, browser_for, _url(a), a.ws, b.owner, reader)
    sales = _accounts(a)["4100"]
    for url in (_url(a, "/new"), _edit(a, sales)):
        assert_page_access(
            browser_for,
            url,
            stranger=b.owner,
            denied=reader,
            allowed=factory.member(a.ws, "admin"),
            permission="accounts:manage",
        )
    # Another workspace's account is not found, to read or to change.
    other = _accounts(b)["4200"]
    owner = browser_for(a.owner)
    assert owner.get(_edit(a, other)).status_code == 404
    for action in ("/edit", "/delete"):
        refused = owner.post(_url(a, f"/{other['id']}{action}"), _form_of(other, name="Taken"))
        assert refused.status_code == 404
        assert "Page not found" in text(refused)
    denied = browser_for(reader).post(
        _url(a, "/new"), {"code": "7000", "name": "X", "type": "expense"}
    )
    assert denied.status_code == 403
    assert "accounts:manage" in text(denied)
    assert (snapshot(factory.sql, a.ws), snapshot(factory.sql, b.ws)) == before
    assert "7000" not in _accounts(a)


def test_the_tree_lists_every_account_under_its_group(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    accounts = _accounts(t)
    page = browser.get(_url(t))
    assert page.status_code == 200
    shown = text(page)
    assert shown.index("1000 Assets") < shown.index("1100 Current assets") < shown.index("1110")
    assert shown.index("1590") < shown.index("2000 Liabilities")
    rows = re.findall(
        r'<tr[^>]*id="account-([0-9a-f-]+)">\s*<th scope="row" class="depth-(\d)"', page.text
    )
    depth = {account_id: int(d) for account_id, d in rows}
    assert len(depth) == len(accounts)
    assert [depth[accounts[c]["id"]] for c in ("1000", "1100", "1110", "2000", "2100")] == [
        0,
        1,
        2,
        0,
        1,
    ]
    # A ledger account opens its general ledger; a group does not.
    ledger = f"{_url(t).replace('/accounts', '/reports/general-ledger')}?account_id="
    assert f'{ledger}{accounts["1110"]["id"]}"' in page.text
    assert f'{ledger}{accounts["1000"]["id"]}"' not in page.text
    assert f'href="{_url(t)}"' in browser.get(f"/w/{t.ws['slug']}/").text
    # A reader sees the chart without the links to change it.
    reader = browser_for(member_with_permissions(factory, t, ["ledger:read"]))
    read_only = reader.get(_url(t))
    assert read_only.status_code == 200
    assert _url(t, "/new") not in read_only.text
    assert "/edit" not in read_only.text


def test_an_account_is_added_under_a_group(factory: Factory, browser_for: BrowserFor) -> None:
    t, browser = opened(factory, browser_for)
    expenses = _accounts(t)["6000"]
    form = browser.get(_url(t, f"/new?parent_id={expenses['id']}"))
    assert f'<option value="{expenses["id"]}" selected>' in form.text
    made = browser.post(
        _url(t, "/new"),
        {"code": "6950", "name": "Insurance", "type": "expense", "parent_id": expenses["id"]},
    )
    assert redirected_to(made) == _url(t)
    added = _accounts(t)["6950"]
    assert (added["name"], added["parent_id"], added["is_group"], added["is_active"]) == (
        "Insurance",
        expenses["id"],
        False,
        True,
    )
    assert "Account 6950 · Insurance added." in text(browser.get(_url(t)))


def test_a_bad_account_is_refused_on_its_form_and_nothing_is_saved(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    before = _accounts(t)
    income = before["4000"]
    bad_code = browser.post(_url(t, "/new"), {"code": "no spaces", "name": "X", "type": "expense"})
    assert bad_code.status_code == 422
    assert "letters, digits" in field_error(bad_code.text, "code")
    assert 'value="no spaces"' in bad_code.text  # what was typed stays
    taken = browser.post(_url(t, "/new"), {"code": "4100", "name": "Again", "type": "income"})
    assert taken.status_code == 409
    assert "Another account in this workspace already uses this code." in text(taken)
    assert field_error(taken.text, "code") == "already taken in this workspace"
    wrong_type = browser.post(
        _url(t, "/new"), {"code": "6960", "name": "X", "type": "expense", "parent_id": income["id"]}
    )
    assert wrong_type.status_code == 422
    assert "expense" in field_error(wrong_type.text, "parent_id")
    assert _accounts(t) == before


def test_an_account_with_postings_is_renamed_and_deactivated_not_regrouped_or_deleted(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    services = _accounts(t)["4200"]
    codes = accounts(factory.sql, t.ws)
    consulting = [line(codes["1110"], debit="50.00"), line(codes["4200"], credit="50.00")]
    post_entry(t.owner, t.ws, rent(codes, lines=consulting))
    renamed = browser.post(_edit(t, services), _form_of(services, name="Consulting"))
    assert redirected_to(renamed) == _url(t)
    assert _accounts(t)["4200"]["name"] == "Consulting"

    regrouped = browser.post(_edit(t, services), _form_of(services, is_group="true"))
    assert regrouped.status_code == 409
    assert "postings" in text(regrouped)
    assert _accounts(t)["4200"]["is_group"] is False

    deleted = browser.post(_url(t, f"/{services['id']}/delete"))
    assert deleted.status_code == 409
    assert "4200" in _accounts(t)

    deactivated = browser.post(
        _edit(t, services), _form_of(services, name="Consulting", is_active="off")
    )
    assert redirected_to(deactivated) == _url(t)
    assert _accounts(t)["4200"]["is_active"] is False
    chart = browser.get(_url(t))
    row = re.search(rf'id="account-{services["id"]}">(.*?)</tr>', chart.text, re.S)
    assert row
    assert "Inactive" in row.group(1)


def test_an_account_nothing_names_is_deleted_a_system_one_is_not(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t, browser = opened(factory, browser_for)
    accounts = _accounts(t)
    travel = accounts["6500"]
    assert 'data-confirm="Delete account 6500?' in browser.get(_edit(t, travel)).text
    deleted = browser.post(_url(t, f"/{travel['id']}/delete"))
    assert redirected_to(deleted) == _url(t)
    assert "6500" not in _accounts(t)

    bank = accounts["1110"]
    form = browser.get(_edit(t, bank))
    assert f"{_url(t)}/{bank['id']}/delete" not in form.text  # no button to press
    kept = browser.post(_url(t, f"/{bank['id']}/delete"))
    assert kept.status_code == 409
    assert "bank role" in text(kept)
    off = browser.post(_edit(t, bank), _form_of(bank, is_active="off"))
    assert off.status_code == 409
    assert _accounts(t)["1110"]["is_active"] is True
