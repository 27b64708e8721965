"""What pages do with input they cannot take: dates outside the business range, text
PostgreSQL cannot store (NUL), malformed addresses, and sign-in redirect targets."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.dates import ACCEPTED, RANGE_MESSAGE, REFUSED
from tests.factories import PASSWORD, Actor, Factory
from tests.finance.helpers import issue, new_customer, new_invoice, snapshot
from tests.hr.helpers import new_employee, new_leave_type
from tests.projects.helpers import new_project, random_code
from tests.sql import Sql
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text

STORED_NOWHERE = "must not contain the NUL character"


@dataclass(frozen=True)
class Tenant:
    """A workspace whose owner is an employee (made through the API, so that the employee
    numbers stay gapless), with a project, a customer and an invoice issued on the first
    business day (so that a payment may be dated on either edge of the range)."""

    ws: dict[str, Any]
    owner: Actor
    project: dict[str, Any]
    customer: dict[str, Any]
    issued: dict[str, Any]


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_employee(owner, ws, user_id=str(owner.id))
    customer = new_customer(owner, ws)
    issued = issue(owner, ws, new_invoice(owner, ws, customer, issue_date=ACCEPTED[0]))
    return Tenant(ws, owner, new_project(owner, ws), customer, issued)


@dataclass(frozen=True)
class Form:
    """A page form: where it posts, what it sends with one value in `field`."""

    name: str
    path: Callable[[Tenant], str]
    data: Callable[[Tenant, str], dict[str, Any]]
    field: str

    def __str__(self) -> str:
        return self.name

    def url(self, t: Tenant) -> str:
        return f"/w/{t.ws['slug']}{self.path(t)}"


def _invoice(t: Tenant, **fields: str) -> dict[str, Any]:
    return {
        "customer_id": t.customer["id"],
        "lines-0-description": "Work",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10.00",
        **fields,
    }


def _employee(**fields: str) -> dict[str, str]:
    email = f"{secrets.token_hex(4)}@corp.example.com"
    return {"first_name": "Ada", "last_name": "Lovelace", "work_email": email, **fields}


def _leave(t: Tenant, day: str) -> dict[str, str]:
    leave_type = new_leave_type(t.owner, t.ws)
    return {"leave_type_id": leave_type["id"], "start_date": day, "end_date": day}


# One form with a date per module (the timesheet's days come from its address, `?week=`).
DATE_FORMS = [
    Form(
        "invoice", lambda t: "/invoices/new", lambda t, d: _invoice(t, issue_date=d), "issue_date"
    ),
    Form(
        "payment",
        lambda t: f"/invoices/{t.issued['id']}/payments",
        lambda t, d: {"amount": "1.00", "paid_on": d},
        "paid_on",
    ),
    Form(
        "employee", lambda t: "/employees/new", lambda t, d: _employee(start_date=d), "start_date"
    ),
    Form("leave", lambda t: "/leave/new", _leave, "start_date"),
    Form(
        "project",
        lambda t: "/projects/new",
        lambda t, d: {"code": random_code(), "name": "Dated", "start_date": d},
        "start_date",
    ),
    Form(
        "task",
        lambda t: f"/projects/{t.project['id']}/tasks/new",
        lambda t, d: {"title": "Dated", "due_date": d},
        "due_date",
    ),
]


def _marked_invalid(html: str, field: str) -> bool:
    return re.search(rf'name="{field}"[^>]*aria-invalid="true"', html) is not None


@pytest.mark.parametrize("form", DATE_FORMS, ids=str)
def test_forms_take_the_edges_of_the_business_range(
    tenant: Tenant, browser_for: BrowserFor, form: Form
) -> None:
    browser = browser_for(tenant.owner)
    for day in ACCEPTED:
        resp = browser.post(form.url(tenant), form.data(tenant, day))
        assert resp.status_code == 303, f"{day}: {text(resp)[:500]}"


@pytest.mark.parametrize("form", DATE_FORMS, ids=str)
def test_forms_show_dates_outside_the_range_on_the_field(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql, form: Form
) -> None:
    browser = browser_for(tenant.owner)
    for day in REFUSED:
        data = form.data(tenant, day)
        before = snapshot(sql, tenant.ws)
        resp = browser.post(form.url(tenant), data)
        assert resp.status_code == 422, f"{day}: {resp.status_code} {text(resp)[:300]}"
        assert _marked_invalid(resp.text, form.field), text(resp)[:500]
        assert RANGE_MESSAGE in text(resp)
        assert f'value="{day}"' in resp.text  # the typed value is shown again
        assert snapshot(sql, tenant.ws) == before


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2201-01-01", "garbage"])
def test_the_timesheet_refuses_weeks_it_cannot_show(
    tenant: Tenant, browser_for: BrowserFor, week: str
) -> None:
    resp = browser_for(tenant.owner).get(f"/w/{tenant.ws['slug']}/timesheet?week={week}")
    assert resp.status_code == 422, text(resp)[:300]
    assert "week: " in text(resp)


def test_the_timesheet_shows_the_last_week_of_the_range(
    tenant: Tenant, browser_for: BrowserFor
) -> None:
    resp = browser_for(tenant.owner).get(f"/w/{tenant.ws['slug']}/timesheet?week=2200-12-31")
    assert resp.status_code == 200
    assert "2200-12-29" in resp.text  # its Monday


@pytest.mark.parametrize("field", ["since", "until"])
def test_the_audit_trail_shows_days_outside_the_range_on_the_filter(
    tenant: Tenant, browser_for: BrowserFor, field: str
) -> None:
    browser = browser_for(tenant.owner)
    for day in REFUSED:
        resp = browser.get(f"/w/{tenant.ws['slug']}/settings/audit?{field}={day}")
        assert resp.status_code == 422, f"{day}: {resp.status_code} {text(resp)[:300]}"
        assert _marked_invalid(resp.text, field)
        assert RANGE_MESSAGE in text(resp)


# Forms with a text field, one per module; NUL reaches the page as typed.
TEXT_FORMS = [
    Form("customer", lambda t: "/customers/new", lambda t, v: {"name": v}, "name"),
    Form("invoice", lambda t: "/invoices/new", lambda t, v: _invoice(t, notes=v), "notes"),
    Form(
        "department",
        lambda t: "/departments/new",
        lambda t, v: {"code": "D" + secrets.token_hex(2).upper(), "name": v},
        "name",
    ),
    Form(
        "project",
        lambda t: "/projects/new",
        lambda t, v: {"code": random_code(), "name": v},
        "name",
    ),
    Form(
        "task",
        lambda t: f"/projects/{t.project['id']}/tasks/new",
        lambda t, v: {"title": v},
        "title",
    ),
    Form("workspace settings", lambda t: "/settings", lambda t, v: {"name": v}, "name"),
]


@pytest.mark.parametrize("form", TEXT_FORMS, ids=str)
def test_a_nul_character_in_a_form_is_shown_on_the_field(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql, form: Form
) -> None:
    browser = browser_for(tenant.owner)
    before = snapshot(sql, tenant.ws)
    resp = browser.post(form.url(tenant), form.data(tenant, "Bad\x00name"))
    assert resp.status_code == 422, f"{resp.status_code} {text(resp)[:300]}"
    assert _marked_invalid(resp.text, form.field), text(resp)[:500]
    assert STORED_NOWHERE in text(resp)
    assert snapshot(sql, tenant.ws) == before


def test_a_nul_character_in_an_invoice_line_is_shown_on_the_line(
    tenant: Tenant, browser_for: BrowserFor
) -> None:
    data = {**_invoice(tenant), "lines-0-description": "Wo\x00rk"}
    resp = browser_for(tenant.owner).post(f"/w/{tenant.ws['slug']}/invoices/new", data)
    assert resp.status_code == 422
    assert _marked_invalid(resp.text, "lines-0-description"), text(resp)[:500]
    assert STORED_NOWHERE in text(resp)


def test_a_nul_character_in_the_sign_in_form_is_a_field_error(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    resp = browser_for(None).post("/sign-in", {"email": owner.email, "password": "pass\x00word"})
    assert resp.status_code == 422, text(resp)[:300]
    assert STORED_NOWHERE in text(resp)


SEARCHES = ["/customers", "/invoices", "/departments", "/employees", "/leave-types", "/projects"]


@pytest.mark.parametrize("path", SEARCHES)
def test_a_nul_character_in_a_search_box_answers_422(
    tenant: Tenant, browser_for: BrowserFor, path: str
) -> None:
    resp = browser_for(tenant.owner).get(f"/w/{tenant.ws['slug']}{path}", params={"q": "a\x00b"})
    assert resp.status_code == 422, text(resp)[:300]
    assert f"q: {STORED_NOWHERE}" in text(resp)
    assert "\x00" not in resp.text


@pytest.mark.parametrize(
    "target",
    [
        "/\r\nSet-Cookie:x=y",
        "/%0d%0aSet-Cookie:x=y",
        "//evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/\t/evil.example",
        "https://evil.example/",
        "/\x00",
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_sign_in_never_redirects_elsewhere_or_breaks_the_answer(
    factory: Factory, browser_for: BrowserFor, target: str, htmx: bool
) -> None:
    owner = factory.user()
    headers = {"HX-Request": "true"} if htmx else {}
    resp = browser_for(None).post(
        "/sign-in", {"email": owner.email, "password": PASSWORD, "next": target}, headers=headers
    )
    location = resp.headers["hx-redirect"] if htmx else redirected_to(resp)
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert not re.search(r"[\x00-\x20\x7f\\]", location)
    assert "set-cookie:x" not in {k.lower() + ":" + v for k, v in resp.headers.items()}
    assert "x" not in resp.cookies


def test_sign_in_keeps_a_local_target_with_its_query(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    resp = browser_for(None).post(
        "/sign-in", {"email": owner.email, "password": PASSWORD, "next": "/w/x/projects?q=a b"}
    )
    assert redirected_to(resp) == "/w/x/projects?q=a%20b"


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie:x=y", "//evil.example", "/\\evil"])
def test_the_sign_in_page_drops_a_foreign_target(browser_for: BrowserFor, target: str) -> None:
    resp = browser_for(None).get("/sign-in", params={"next": target})
    assert resp.status_code == 200
    assert 'name="next" value=""' in resp.text
