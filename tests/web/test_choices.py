"""Choices that can grow: a plain select under the threshold, a type-ahead over it.

The type-ahead asks `/w/{ws}/choices/{kind}` for a fragment of matching options, which
the module's own list search answers; without script, the form takes a typed exact name.
"""

from __future__ import annotations

import re
from typing import Any

from atlas.web.pages.choices import OPTION_LIMIT, SELECT_LIMIT
from tests.factories import Actor, Factory
from tests.finance.helpers import many_customers, new_customer
from tests.hr.helpers import many_employees, new_employee
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, member_with, redirected_to, text

OPTION = re.compile(r'<li role="option"[^>]*data-value="([^"]+)"')
LINE = {"lines-0-description": "Work", "lines-0-quantity": "1", "lines-0-unit_price": "10"}


def _options(html: str) -> list[str]:
    return OPTION.findall(html)


def _customers_url(ws: dict[str, Any], typed: str) -> str:
    return f"/w/{ws['slug']}/choices/customers?field=customer_id&customer_id-search={typed}"


def test_the_options_fragment_has_the_pages_access_rules(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_customer(owner, ws, name="Initech")
    url = _customers_url(ws, "Ini")
    assert redirected_to(browser_for(None).get(url)).startswith("/sign-in?next=")
    stranger = browser_for(factory.user()).get(url)
    assert stranger.status_code == 404
    assert "Page not found" in text(stranger)
    reader = member_with(factory, owner, ws, ["workspace:read", "invoices:read"])
    denied = browser_for(reader).get(url)
    assert denied.status_code == 403
    assert "Not allowed" in text(denied)
    assert "Initech" not in denied.text
    members = f"/w/{ws['slug']}/choices/members?field=user_id&user_id-search=a"
    assert browser_for(reader).get(members).status_code == 403
    viewer = factory.member(ws, "viewer")
    allowed = browser_for(viewer).get(url)
    assert allowed.status_code == 200
    assert "Initech" in text(allowed)


def test_the_fragment_never_shows_another_workspaces_rows(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner, other = factory.user(), factory.user()
    ws, ws_b = factory.workspace(owner), factory.workspace(other)
    mine = many_customers(factory.sql, ws, 3, "Twin")
    theirs = many_customers(factory.sql, ws_b, 3, "Twin")
    resp = browser_for(owner).get(_customers_url(ws, "Twin"))
    assert _options(resp.text) == [str(c["id"]) for c in mine]
    assert not {str(c["id"]) for c in theirs} & set(re.findall(r"[0-9a-f-]{36}", resp.text))


def test_the_fragment_shows_a_few_options_and_says_how_many_match(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    made = many_customers(factory.sql, ws, 30, "Bulk")
    resp = browser_for(owner).get(_customers_url(ws, "bulk"))
    assert resp.status_code == 200
    assert _options(resp.text) == [str(c["id"]) for c in made[:OPTION_LIMIT]]
    assert f"Showing {OPTION_LIMIT} of 30 matches" in text(resp)

    none = browser_for(owner).get(_customers_url(ws, "zzz"))
    assert none.status_code == 200
    assert _options(none.text) == []
    assert "No customer matches “zzz”." in text(none)


def test_a_few_customers_are_a_plain_select_and_many_a_type_ahead(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws, big = factory.workspace(owner), factory.workspace(owner)
    few = many_customers(factory.sql, ws, SELECT_LIMIT, "Few")
    form = browser_for(owner).get(f"/w/{ws['slug']}/invoices/new")
    assert '<select id="f-customer_id" name="customer_id" required' in form.text
    assert re.findall(r'<option value="([0-9a-f-]{36})"', form.text) == [str(c["id"]) for c in few]
    assert 'role="combobox"' not in form.text

    many_customers(factory.sql, big, SELECT_LIMIT + 1, "Many")
    form = browser_for(owner).get(f"/w/{big['slug']}/invoices/new")
    assert 'id="f-customer_id"' in form.text
    assert '<select id="f-customer_id"' not in form.text
    assert 'role="combobox"' in form.text
    assert f'hx-get="/w/{big["slug"]}/choices/customers?field=customer_id"' in form.text
    assert '<input type="hidden" name="customer_id" value=""' in form.text


def _invoicing(
    factory: Factory, browser_for: BrowserFor, count: int, prefix: str
) -> tuple[Actor, dict[str, Any], list[dict[str, Any]], Browser]:
    """An owner's workspace with `count` customers, and the owner's browser."""
    owner = factory.user()
    ws = factory.workspace(owner)
    return owner, ws, many_customers(factory.sql, ws, count, prefix), browser_for(owner)


def test_without_script_a_typed_exact_name_is_taken_and_anything_else_refused(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner, ws, made, browser = _invoicing(factory, browser_for, 1000, "Client")
    url = f"/w/{ws['slug']}/invoices/new"

    vague = browser.post(url, {"customer_id-search": "Client 10", **LINE})
    assert vague.status_code == 422
    assert "No customer is named “Client 10”; choose one from the list." in text(vague)
    assert 'value="Client 10"' in vague.text
    # Past one search page of matches, the refusal says so rather than "no customer".
    wide = browser.post(url, {"customer_id-search": "Client", **LINE})
    assert wide.status_code == 422
    assert (
        "More than 200 customers match “Client”; type the whole name or choose one from the list."
        in text(wide)
    )
    assert factory.sql.owner("SELECT id FROM invoices", workspace=ws["id"]) == []

    saved = browser.post(url, {"customer_id-search": "client 1000", **LINE})
    redirected_to(saved)
    invoices = owner.get("/api/v1/invoices", ws=ws).json()["items"]
    assert [i["customer_id"] for i in invoices] == [str(made[-1]["id"])]


def test_a_chosen_id_with_its_label_is_kept_and_an_edited_label_is_read_again(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner, ws, made, browser = _invoicing(factory, browser_for, 60, "Acct")
    url = f"/w/{ws['slug']}/invoices/new"
    picked = {
        "customer_id": str(made[5]["id"]),
        "customer_id-search": made[5]["name"],
        "customer_id-label": made[5]["name"],
    }
    redirected_to(browser.post(url, {**picked, **LINE}))
    # The page was shown with one customer, then the name typed over without script.
    retyped = {**picked, "customer_id-search": made[7]["name"]}
    redirected_to(browser.post(url, {**retyped, **LINE}))
    cleared = {k: v for k, v in picked.items() if k != "customer_id-search"}
    refused = browser.post(url, {**cleared, **LINE})
    assert refused.status_code == 422
    invoices = owner.get("/api/v1/invoices", ws=ws).json()["items"]
    assert sorted(i["customer_id"] for i in invoices) == sorted(
        [str(made[5]["id"]), str(made[7]["id"])]
    )


def test_the_manager_choice_works_past_two_hundred_employees(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws)
    staff = many_employees(factory.sql, ws, 250, "Crew")
    far = staff[-1]
    changed = owner.patch(
        f"/api/v1/employees/{employee['id']}", ws=ws, json={"manager_id": str(far["id"])}
    )
    assert changed.status_code == 200, changed.text
    browser = browser_for(owner)
    edit = f"/w/{ws['slug']}/employees/{employee['id']}/edit"
    form = browser.get(edit)
    assert f'<input type="hidden" name="manager_id" value="{far["id"]}"' in form.text
    number = owner.get(f"/api/v1/employees/{far['id']}", ws=ws).json()["number"]
    assert f'value="Staff Crew 0250 ({number})"' in form.text

    search = f"/w/{ws['slug']}/choices/employees?field=manager_id&manager_id-search=Crew 0249"
    found = browser.get(search + f"&exclude={employee['id']}")
    assert _options(found.text) == [str(staff[-2]["id"])]

    label = f"Staff Crew 0249 (EMP-{staff[-2]['number']:04})"
    body = {
        "first_name": employee["first_name"],
        "last_name": employee["last_name"],
        "work_email": employee["work_email"],
        "employment_type": "full_time",
        "status": "active",
        "manager_id": str(staff[-2]["id"]),
        "manager_id-search": label,
        "manager_id-label": label,
    }
    redirected_to(browser.post(edit, body))
    saved = owner.get(f"/api/v1/employees/{employee['id']}", ws=ws).json()
    assert saved["manager_id"] == str(staff[-2]["id"])
