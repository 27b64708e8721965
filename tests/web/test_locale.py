"""Pages show dates and numbers in the effective locale: the user's choice, else the
workspace's; form inputs keep the machine format; the API takes only the known locales."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import Actor, Factory
from tests.finance.helpers import issue, line, new_customer, new_invoice
from tests.projects.helpers import new_project
from tests.timesheets.helpers import new_employee, new_time_entry
from tests.web.conftest import BrowserFor
from tests.web.helpers import field_error, redirected_to, text

# What each locale shows for the same values: an invoice in EUR of 1.5 x 823.04 at 7.5 %
# tax (1,234.56 + 92.59 = 1,327.15) dated 2026-12-03, a yen invoice of 1,234, and 3.75
# hours logged in the week of Monday 2026-03-02.
SHOWN = {
    "en-US": {
        "date": "Dec 3, 2026",
        "total": "€1,327.15",
        "subtotal": "1,234.56",
        "quantity": "1.5",
        "tax": "7.5%",
        "yen": "¥1,234",
        "hours": "3.75",
        "week": "Mar 2, 2026 \N{EN DASH} Mar 8, 2026",
    },
    "en-GB": {
        "date": "3 Dec 2026",
        "total": "€1,327.15",
        "subtotal": "1,234.56",
        "quantity": "1.5",
        "tax": "7.5%",
        "yen": "JP¥1,234",
        "hours": "3.75",
        "week": "2 Mar 2026 \N{EN DASH} 8 Mar 2026",
    },
    "de-DE": {
        "date": "03.12.2026",
        "total": "1.327,15 €",
        "subtotal": "1.234,56",
        "quantity": "1,5",
        "tax": "7,5 %",
        "yen": "1.234 ¥",
        "hours": "3,75",
        "week": "02.03.2026 \N{EN DASH} 08.03.2026",
    },
    "fr-FR": {
        "date": "3 déc. 2026",
        "total": "1 327,15 €",
        "subtotal": "1 234,56",
        "quantity": "1,5",
        "tax": "7,5 %",
        "yen": "1 234 JPY",
        "hours": "3,75",
        "week": "2 mars 2026 \N{EN DASH} 8 mars 2026",
    },
}
LOCALES = tuple(SHOWN)
INPUT_VALUE = re.compile(r'<(?:input|textarea|option)[^>]*?\bvalue="([^"]*)"')


class Books:
    """A workspace with an issued EUR invoice, an issued yen invoice, a draft and time."""

    def __init__(self, factory: Factory) -> None:
        self.owner = factory.user()
        self.ws = factory.workspace(self.owner)
        euros = new_customer(self.owner, self.ws, currency="EUR")
        yen = new_customer(self.owner, self.ws, currency="JPY")
        dated = {"issue_date": "2026-12-03", "due_date": "2027-01-02"}
        self.invoice = issue(
            self.owner,
            self.ws,
            new_invoice(self.owner, self.ws, euros, lines=[line("1.5", "823.04", "7.5")], **dated),
        )
        issue(self.owner, self.ws, new_invoice(self.owner, self.ws, yen, lines=[line("1", "1234")]))
        self.draft = new_invoice(
            self.owner, self.ws, euros, lines=[line("1.5", "823.04", "7.5")], **dated
        )
        new_employee(factory.sql, self.ws, self.owner)
        project = new_project(self.owner, self.ws)
        new_time_entry(self.owner, self.ws, project, entry_date="2026-03-02", hours="2.5")
        new_time_entry(self.owner, self.ws, project, entry_date="2026-03-02", hours="1.25")

    def url(self, path: str) -> str:
        return f"/w/{self.ws['slug']}{path}"

    def set_workspace_locale(self, locale: str) -> None:
        resp = self.owner.patch(f"/api/v1/workspaces/{self.ws['id']}", json={"locale": locale})
        assert resp.status_code == 200, resp.text
        assert resp.json()["locale"] == locale


@pytest.fixture
def books(factory: Factory) -> Books:
    return Books(factory)


def _set_my_locale(actor: Actor, locale: str | None) -> None:
    resp = actor.patch("/api/v1/auth/me", json={"locale": locale})
    assert resp.status_code == 200, resp.text
    assert resp.json()["locale"] == locale


def _input_values(html: str) -> list[str]:
    """The values of a page's inputs and options, but the CSRF token (one per session)."""
    html = re.sub(r'<input type="hidden" name="csrf_token"[^>]*>', "", html)
    return INPUT_VALUE.findall(html)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_invoice_dashboard_and_timesheet_show_values_in_the_workspaces_locale(
    books: Books, browser_for: BrowserFor, locale: str
) -> None:
    books.set_workspace_locale(locale)
    shown = SHOWN[locale]
    browser = browser_for(books.owner)

    invoice = text(browser.get(books.url(f"/invoices/{books.invoice['id']}")))
    assert f"Issue date {shown['date']}" in invoice
    assert f"{shown['quantity']} 823" in invoice  # the quantity, then the unit price
    assert f"{shown['tax']} {shown['subtotal']}" in invoice  # a line's tax rate and amount
    assert f"Total {shown['total']}" in invoice

    dashboard = text(browser.get(books.url("/")))
    assert f"· {shown['total']}" in dashboard  # the latest invoices
    assert f"· {shown['yen']}" in dashboard
    assert f"EUR {shown['total'].strip(' €')} (1)" in dashboard  # receivables, per currency

    sheet = browser.get(books.url("/timesheet?week=2026-03-04"))
    assert f"week of {shown['week']}" in text(sheet)
    assert f'id="day-total-2026-03-02">{shown["hours"]}<' in sheet.text


def test_yen_amounts_have_no_decimals_in_any_locale(books: Books, browser_for: BrowserFor) -> None:
    browser = browser_for(books.owner)
    for locale in LOCALES:
        books.set_workspace_locale(locale)
        listed = text(browser.get(books.url("/invoices")))
        assert SHOWN[locale]["yen"] in listed, locale
        assert "1,234.00" not in listed
        assert "1.234,00" not in listed


def test_input_values_keep_the_machine_format_in_every_locale(
    books: Books, browser_for: BrowserFor
) -> None:
    browser = browser_for(books.owner)
    pages = (
        f"/invoices/{books.draft['id']}/edit",
        "/timesheet?week=2026-03-04",
        f"/invoices/{books.invoice['id']}",
    )
    books.set_workspace_locale("en-US")
    machine = {path: _input_values(browser.get(books.url(path)).text) for path in pages}
    edit = machine[pages[0]]
    assert "2026-12-03" in edit
    assert "823.04" in edit
    assert any(re.fullmatch(r"1\.50*", value) for value in edit), edit
    assert 'name="week" type="date" value="2026-03-02"' in browser.get(books.url(pages[1])).text
    for locale in LOCALES[1:]:
        books.set_workspace_locale(locale)
        for path in pages:
            assert _input_values(browser.get(books.url(path)).text) == machine[path], (
                locale,
                path,
            )


def test_the_users_choice_overrides_the_workspaces(
    factory: Factory, books: Books, browser_for: BrowserFor
) -> None:
    books.set_workspace_locale("de-DE")
    chooser = factory.member(books.ws, "admin")
    follower = factory.member(books.ws, "admin")
    _set_my_locale(chooser, "en-GB")
    page = books.url(f"/invoices/{books.invoice['id']}")

    assert "Issue date 3 Dec 2026" in text(browser_for(chooser).get(page))
    assert "Issue date 03.12.2026" in text(browser_for(follower).get(page))
    # Outside a workspace: the user's choice, else en-US.
    assert re.search(r"\d{1,2} [A-Z][a-z]{2,3} \d{4}", text(browser_for(chooser).get("/account")))
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", text(browser_for(follower).get("/account")))
    _set_my_locale(chooser, None)
    assert "Issue date 03.12.2026" in text(browser_for(chooser).get(page))


def test_the_api_validates_locales(factory: Factory) -> None:
    owner = factory.user()
    made = owner.post("/api/v1/workspaces", json={"name": "Locale Co", "locale": "fr-FR"})
    assert made.status_code == 201, made.text
    assert made.json()["locale"] == "fr-FR"
    assert owner.get(f"/api/v1/workspaces/{made.json()['id']}").json()["locale"] == "fr-FR"
    plain = owner.post("/api/v1/workspaces", json={"name": "Plain Co"})
    assert plain.json()["locale"] == "en-US"

    def refused(resp: Any) -> dict[str, Any]:
        assert resp.status_code == 422, resp.text
        body: dict[str, Any] = resp.json()["error"]
        assert body["code"] == "validation_error"
        (detail,) = body["details"]
        assert detail["type"] == "unknown_locale"
        assert "en-US, en-GB, de-DE, fr-FR" in detail["message"]
        return detail

    ws_path = f"/api/v1/workspaces/{made.json()['id']}"
    assert refused(owner.patch(ws_path, json={"locale": "xx-XX"}))["field"] == "body.locale"
    assert refused(owner.patch(ws_path, json={"locale": "de_DE"}))["field"] == "body.locale"
    assert owner.patch(ws_path, json={"locale": None}).status_code == 422  # never null
    made_with = owner.post("/api/v1/workspaces", json={"name": "X", "locale": "de"})
    assert refused(made_with)["field"] == "body.locale"
    assert owner.post("/api/v1/workspaces", json={"name": "X", "locale": 7}).status_code == 422

    me = owner.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["locale"]) == (str(owner.id), None)
    assert refused(owner.patch("/api/v1/auth/me", json={"locale": "de-AT"}))["field"] == (
        "body.locale"
    )
    assert owner.patch("/api/v1/auth/me", json={"locale": "de-DE"}).json()["locale"] == "de-DE"
    assert owner.get("/api/v1/auth/session").json()["user"]["locale"] == "de-DE"
    assert owner.patch("/api/v1/auth/me", json={}).json()["locale"] == "de-DE"
    assert owner.patch("/api/v1/auth/me", json={"colour": "red"}).status_code == 422
    assert factory.http.get("/api/v1/auth/me").status_code == 401
    assert factory.http.patch("/api/v1/auth/me", json={"locale": "en-US"}).status_code == 401


def test_the_account_picker_saves_the_users_choice(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    browser = browser_for(user)
    page = browser.get("/account")
    picker = re.search(r'<select id="f-locale".*?</select>', page.text, re.S)
    assert picker is not None
    assert """<option value="">Each workspace's own</option>""" in picker.group(0)
    assert " selected>" not in picker.group(0)
    assert 'value="de-DE">Deutsch (Deutschland): 03.12.2026 · 1.234,56</option>' in page.text

    saved = browser.post("/account/locale", {"locale": "de-DE"})
    assert redirected_to(saved) == "/account"
    shown = browser.get("/account")
    assert "Dates and numbers saved." in text(shown)
    assert '<option value="de-DE" selected>' in shown.text
    assert re.search(r"\d{2}\.\d{2}\.\d{4}", text(shown))  # the sessions' dates
    stored = factory.sql.owner("SELECT locale FROM users WHERE id = %s", user.id)
    assert stored == [{"locale": "de-DE"}]

    refused = browser.post("/account/locale", {"locale": "tlh-KX"})
    assert refused.status_code == 422
    assert "unknown locale 'tlh-KX'" in text(refused)
    assert factory.sql.owner("SELECT locale FROM users WHERE id = %s", user.id) == stored

    cleared = browser.post("/account/locale", {"locale": ""})
    assert redirected_to(cleared) == "/account"
    assert factory.sql.owner("SELECT locale FROM users WHERE id = %s", user.id) == [
        {"locale": None}
    ]
    anonymous = browser_for(None).post("/account/locale", {"locale": "de-DE"}, csrf=False)
    assert anonymous.status_code in (303, 403)


def test_the_workspace_settings_picker_saves_its_default(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    settings = f"/w/{ws['slug']}/settings"
    assert '<option value="en-US" selected>' in browser.get(settings).text
    form = {
        "name": ws["name"],
        "slug": ws["slug"],
        "base_currency": "USD",
        "timezone": "UTC",
        "fiscal_year_start_month": "1",
        "locale": "fr-FR",
    }
    assert redirected_to(browser.post(settings, form)) == settings
    shown = browser.get(settings)
    assert '<option value="fr-FR" selected>' in shown.text
    assert factory.sql.owner("SELECT locale FROM workspaces WHERE id = %s", ws["id"]) == [
        {"locale": "fr-FR"}
    ]
    refused = browser.post(settings, {**form, "locale": "fr"})
    assert refused.status_code == 422
    assert "unknown locale 'fr'" in text(refused)
    # A viewer sees the setting, in words.
    viewer = factory.member(ws, "viewer")
    assert "Dates and numbers Français (France)" in text(browser_for(viewer).get(settings))


def test_a_new_workspace_takes_its_locale_from_the_form(
    factory: Factory, browser_for: BrowserFor
) -> None:
    user = factory.user()
    browser = browser_for(user)
    form = browser.get("/workspaces/new")
    picker = re.search(r'<select id="f-locale" name="locale" required.*?</select>', form.text, re.S)
    assert picker is not None, form.text[:2000]
    assert '<option value="en-US" selected>' in picker.group(0)
    assert 'value="de-DE">Deutsch (Deutschland): 03.12.2026 · 1.234,56</option>' in picker.group(0)
    # The creator's own choice is the default.
    chooser = factory.user()
    _set_my_locale(chooser, "fr-FR")
    assert '<option value="fr-FR" selected>' in browser_for(chooser).get("/workspaces/new").text

    refused = browser.post("/workspaces/new", {"name": "Typo Co", "locale": "de"})
    assert refused.status_code == 422
    assert "unknown locale 'de'" in field_error(refused.text, "locale")
    assert 'value="Typo Co"' in refused.text

    created = browser.post("/workspaces/new", {"name": "Berlin Co", "locale": "de-DE"})
    location = redirected_to(created)
    (ws,) = factory.sql.owner("SELECT * FROM workspaces WHERE slug = %s", location.split("/")[2])
    assert ws["locale"] == "de-DE"
    customer = new_customer(user, ws, currency="EUR")
    dated = {"issue_date": "2026-12-03", "due_date": "2027-01-02"}
    lines = [line("1.5", "823.04", "7.5")]
    invoice = issue(user, ws, new_invoice(user, ws, customer, lines=lines, **dated))
    shown = text(browser.get(f"/w/{ws['slug']}/invoices/{invoice['id']}"))
    assert f"Issue date {SHOWN['de-DE']['date']}" in shown
    assert f"Total {SHOWN['de-DE']['total']}" in shown


def test_the_shell_and_the_error_page_speak_through_the_translation_function(
    factory: Factory, browser_for: BrowserFor
) -> None:
    # English is the source text: every locale reads it until a catalog exists.
    user = factory.user()
    ws = factory.workspace(user)
    _set_my_locale(user, "de-DE")
    browser = browser_for(user)
    dashboard = text(browser.get(f"/w/{ws['slug']}/"))
    assert "Work Projects Timesheet" in dashboard
    missing = browser.get(f"/w/{ws['slug']}/invoices/00000000-0000-7000-8000-000000000000")
    assert missing.status_code == 404
    assert f"Back to the dashboard of {ws['name']}" in text(missing)
