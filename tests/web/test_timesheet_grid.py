"""The timesheet's week grid: hours typed per task and day, saved by one form through the
timesheets service, the 24-hour day shown at its cells, and the entries edited in place.

The routes' five access cases are in the page access table of test_projects.py.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from tests.factories import Factory
from tests.finance.helpers import new_customer
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql
from tests.timesheets.helpers import (
    Tenant,
    new_employee,
    new_tenant,
    new_time_entry,
    snapshot,
)
from tests.web.conftest import BrowserFor
from tests.web.helpers import field_error, redirected_to, text

WEEK = "2026-03-02"  # a Monday; the tenant's 2.5 hours on its task are on that day
CELL = re.compile(r"<input class=\"hours\" id=\"(cell-\d+-\d)\"[^>]*>")
HIDDEN = re.compile(
    r'<input type="hidden" name="(row-\d+(?:-task)?|cell-\d+-\d-shown)" value="([^"]*)">'
)


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    return new_tenant(factory)


def url(tenant: Tenant, path: str) -> str:
    return f"/w/{tenant.ws['slug']}{path}"


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf' {name}="([^"]*)"', tag)
    return unescape(found.group(1)) if found else None


def cells(html: str) -> dict[str, dict[str, Any]]:
    """The grid's hour inputs by their label: name, value, and whether marked invalid."""
    found = {}
    for match in CELL.finditer(html):
        tag = match.group(0)
        label = _attribute(tag, "aria-label")
        assert label, tag
        found[label] = {
            "name": match.group(1),
            "value": _attribute(tag, "value"),
            "invalid": _attribute(tag, "aria-invalid") == "true",
        }
    return found


def grid_form(html: str, **typed: str) -> dict[str, str]:
    """What the grid posts as shown, with the cells labelled in `typed` changed."""
    shown = cells(html)
    data = dict(HIDDEN.findall(html))
    data.update({c["name"]: c["value"] or "" for c in shown.values()})
    for label, value in typed.items():
        data[shown[label]["name"]] = value
    return data


def label(day: str, key: str) -> str:
    return f"Hours on {day} for {key}"


def entries(sql: Sql, tenant: Tenant) -> list[tuple[str, str | None, str, str]]:
    rows = sql.owner(
        """SELECT project_id, task_id, entry_date, hours FROM time_entries
            WHERE workspace_id = %s ORDER BY entry_date, hours""",
        tenant.ws["id"],
        workspace=tenant.ws["id"],
    )
    return [
        (
            str(r["project_id"]),
            str(r["task_id"]) if r["task_id"] else None,
            str(r["entry_date"]),
            str(r["hours"]),
        )
        for r in rows
    ]


def test_the_grid_shows_the_weeks_hours_per_task_and_day_with_totals(
    tenant: Tenant, browser_for: BrowserFor
) -> None:
    owner, ws, task = tenant.owner, tenant.ws, tenant.task
    other = new_project(owner, ws, name="Second")
    new_time_entry(owner, ws, other, entry_date="2026-03-04", hours="2")
    new_time_entry(owner, ws, other, entry_date="2026-03-04", hours="1")  # two in one cell
    new_time_entry(owner, ws, other, entry_date="2026-03-08", hours="0.5")
    new_time_entry(owner, ws, other, entry_date="2026-03-09", hours="8")  # the next week
    resp = browser_for(owner).get(url(tenant, "/timesheet?week=2026-03-05"))
    assert resp.status_code == 200
    shown = cells(resp.text)
    assert shown[label("Mon 2 Mar", task["key"])]["value"] == "2.50"
    assert shown[label("Tue 3 Mar", task["key"])]["value"] == ""
    assert shown[label("Sun 8 Mar", other["code"])]["value"] == "0.50"
    # A cell of two entries shows their sum and changes in the list below.
    assert label("Wed 4 Mar", other["code"]) not in shown
    assert "3.00 2 entries" in text(resp)
    assert len(shown) == 13  # 14 cells, one of them of two entries

    def total(cell_id: str) -> str:
        found = re.search(rf'id="{cell_id}">([^<]*)<', resp.text)
        assert found, cell_id
        return found.group(1)

    assert total("day-total-2026-03-02") == "2.50"
    assert total("day-total-2026-03-04") == "3.00"
    assert total("day-total-2026-03-08") == "0.50"
    assert total("week-total") == "6.00"
    assert re.search(
        r"Second.*?<td class=\"num\" data-row-total>3\.50</td>\s*</tr>", resp.text, re.S
    )


def test_saving_the_grid_creates_updates_and_deletes_entries(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, task, project = tenant.owner, tenant.ws, tenant.task, tenant.project
    other = new_project(owner, ws, name="Second")
    new_time_entry(owner, ws, other, entry_date="2026-03-03", hours="4")
    browser = browser_for(owner)
    sheet = browser.get(url(tenant, f"/timesheet?week={WEEK}"))
    data = grid_form(
        sheet.text,
        **{
            label("Mon 2 Mar", task["key"]): "",  # deleted
            label("Wed 4 Mar", task["key"]): "1.5",  # created
            label("Tue 3 Mar", other["code"]): "6.25",  # updated
        },
    )
    saved = browser.post(url(tenant, f"/timesheet?week={WEEK}"), data)
    assert redirected_to(saved) == url(
        tenant, f"/timesheet?employee={tenant.employee['id']}&week={WEEK}"
    )
    assert entries(sql, tenant) == [
        (other["id"], None, "2026-03-03", "6.25"),
        (project["id"], task["id"], "2026-03-04", "1.50"),
    ]
    after = browser.get(redirected_to(saved))
    assert "Timesheet saved: 1 added, 1 changed, 1 removed." in text(after)
    assert cells(after.text)[label("Wed 4 Mar", task["key"])]["value"] == "1.50"
    again = browser.post(url(tenant, f"/timesheet?week={WEEK}"), grid_form(after.text))
    assert "Nothing to save" in text(browser.get(redirected_to(again)))


def test_hours_logged_elsewhere_since_the_grid_was_opened_are_never_lost(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, task, project = tenant.owner, tenant.ws, tenant.task, tenant.project
    browser = browser_for(owner)
    page = url(tenant, f"/timesheet?week={WEEK}")
    sheet = browser.get(page).text
    # Meanwhile, through the API: Tuesday gets hours, Monday's 2.5 become 3.
    new_time_entry(owner, ws, project, task_id=task["id"], entry_date="2026-03-03", hours="4")
    monday = sql.owner(
        "SELECT id FROM time_entries WHERE workspace_id = %s AND entry_date = '2026-03-02'",
        ws["id"],
        workspace=ws["id"],
    )[0]["id"]
    changed = owner.patch(f"/api/v1/time-entries/{monday}", ws=ws, json={"hours": "3"})
    assert changed.status_code == 200, changed.text
    before = snapshot(sql, ws)
    # Left as they were shown (Tuesday empty, Monday 2.50), both keep the new hours.
    kept = browser.post(page, grid_form(sheet))
    assert "Nothing to save" in text(browser.get(redirected_to(kept)))
    assert snapshot(sql, ws) == before
    # Typed over, a changed cell is refused at the cell, and nothing is saved.
    typed = {label("Mon 2 Mar", task["key"]): "1", label("Wed 4 Mar", task["key"]): "2"}
    refused = browser.post(page, grid_form(sheet, **typed))
    assert refused.status_code == 422
    name = cells(refused.text)[label("Mon 2 Mar", task["key"])]["name"]
    assert field_error(refused.text, name) == (
        "changed to 3.00 hours since the timesheet was opened: check it and type again"
    )
    assert snapshot(sql, ws) == before


def test_a_day_past_24_hours_is_shown_at_its_cells_with_the_typed_hours(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, task = tenant.owner, tenant.ws, tenant.task
    other = new_project(owner, ws, name="Second")
    new_time_entry(owner, ws, other, entry_date="2026-03-03", hours="1")
    browser = browser_for(owner)
    page = url(tenant, f"/timesheet?week={WEEK}")
    sheet = browser.get(page)
    before = snapshot(sql, ws)
    typed = {
        label("Mon 2 Mar", task["key"]): "12",
        label("Mon 2 Mar", other["code"]): "13",
        label("Tue 3 Mar", other["code"]): "2",
        label("Wed 4 Mar", task["key"]): "abc",
    }
    # A cell that holds no number is refused on the cell, before any day is added up.
    resp = browser.post(page, grid_form(sheet.text, **typed))
    assert resp.status_code == 422
    shown = cells(resp.text)
    assert {k: shown[k]["value"] for k in typed} == typed  # as typed
    assert [k for k, c in shown.items() if c["invalid"]] == [label("Wed 4 Mar", task["key"])]
    assert "Please correct the fields marked below." in text(resp)
    assert re.search(r'id="day-total-2026-03-02">25\.00<', resp.text)  # what was typed
    # The 24-hour day: each cell of Monday says so; nothing is saved, not even Tuesday.
    over = browser.post(page, grid_form(resp.text, **{label("Wed 4 Mar", task["key"]): "1"}))
    assert over.status_code == 422
    assert "Nothing was saved: please correct the cells marked." in text(over)
    shown = cells(over.text)
    monday = [shown[label("Mon 2 Mar", key)] for key in (task["key"], other["code"])]
    assert [c["value"] for c in monday] == ["12", "13"]
    for cell in monday:
        assert cell["invalid"]
        message = field_error(over.text, cell["name"])
        assert message == "Hours for Mon 2 Mar must be 24 or less in total"
    assert not shown[label("Tue 3 Mar", other["code"])]["invalid"]
    assert shown[label("Tue 3 Mar", other["code"])]["value"] == "2"
    assert snapshot(sql, ws) == before


def test_moving_hours_between_cells_of_a_full_day(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    """Less time is saved first: 24 hours stay 24 hours on the way."""
    owner, ws, task = tenant.owner, tenant.ws, tenant.task
    other = new_project(owner, ws, name="Second")
    new_time_entry(owner, ws, other, entry_date=WEEK, hours="21.5")
    browser = browser_for(owner)
    sheet = browser.get(url(tenant, f"/timesheet?week={WEEK}"))
    moved = {label("Mon 2 Mar", task["key"]): "20", label("Mon 2 Mar", other["code"]): "4"}
    saved = browser.post(url(tenant, f"/timesheet?week={WEEK}"), grid_form(sheet.text, **moved))
    redirected_to(saved)
    assert sorted(e[3] for e in entries(sql, tenant)) == ["20.00", "4.00"]


def test_adding_a_row_keeps_what_was_typed_and_saves_nothing(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws = tenant.owner, tenant.ws
    second = new_task(owner, ws, tenant.project, title="Second task")
    elsewhere = new_task(owner, ws, new_project(owner, ws, name="Other"), title="Elsewhere")
    browser = browser_for(owner)
    page = url(tenant, f"/timesheet?week={WEEK}")
    sheet = browser.get(page)
    before = snapshot(sql, ws)
    typed = grid_form(sheet.text, **{label("Tue 3 Mar", tenant.task["key"]): "3"})
    added = browser.post(
        page, {**typed, "project_id": tenant.project["id"], "task_id": second["id"], "add": "row"}
    )
    assert added.status_code == 200
    assert snapshot(sql, ws) == before
    shown = cells(added.text)
    assert shown[label("Tue 3 Mar", tenant.task["key"])]["value"] == "3"
    assert shown[label("Fri 6 Mar", second["key"])]["value"] == ""
    saved = browser.post(page, grid_form(added.text, **{label("Fri 6 Mar", second["key"]): "2"}))
    redirected_to(saved)
    assert [(e[1], e[2], e[3]) for e in entries(sql, tenant)] == [
        (tenant.task["id"], "2026-03-02", "2.50"),
        (tenant.task["id"], "2026-03-03", "3.00"),
        (second["id"], "2026-03-06", "2.00"),
    ]
    # A task of another project is refused on the task's field.
    mixed = browser.post(
        page, {"project_id": tenant.project["id"], "task_id": elsewhere["id"], "add": "row"}
    )
    assert mixed.status_code == 422
    assert 'aria-invalid="true"' in mixed.text
    assert label("Mon 2 Mar", elsewhere["key"]) not in cells(mixed.text)


def test_week_navigation_and_the_date_picker(tenant: Tenant, browser_for: BrowserFor) -> None:
    resp = browser_for(tenant.owner).get(url(tenant, "/timesheet?week=2026-03-05"))
    body = text(resp)
    assert "week of Mar 2, 2026 \N{EN DASH} Mar 8, 2026" in body
    here = f"employee={tenant.employee['id']}"
    assert f'href="{url(tenant, "/timesheet")}?{here}&amp;week=2026-02-23" rel="prev"' in resp.text
    assert f'href="{url(tenant, "/timesheet")}?{here}&amp;week=2026-03-09" rel="next"' in resp.text
    assert re.search(r'<input id="f-week" name="week" type="date" value="2026-03-02"', resp.text)
    later = browser_for(tenant.owner).get(url(tenant, "/timesheet?week=2026-03-09"))
    assert cells(later.text) == {}  # no rows that week
    assert "No time logged this week." in text(later)


def test_a_member_sees_and_changes_only_their_own_time(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    member = factory.member(tenant.ws, "member")
    mine = new_employee(factory.sql, tenant.ws, member)
    browser = browser_for(member)
    own = browser.get(url(tenant, f"/timesheet?week={WEEK}"))
    assert mine["last_name"] in text(own)
    assert cells(own.text) == {}  # the owner's hours are not on the member's grid
    assert tenant.entry["id"] not in own.text
    # The owner's sheet can be read (time:read) but holds nothing to change.
    theirs = browser.get(url(tenant, f"/timesheet?employee={tenant.employee['id']}&week={WEEK}"))
    assert theirs.status_code == 200
    assert "2.50" in text(theirs)
    assert cells(theirs.text) == {}
    assert "Save timesheet" not in text(theirs)
    assert f"/time-entries/{tenant.entry['id']}/" not in theirs.text
    before = snapshot(sql, tenant.ws)
    forged = {"row-0": tenant.project["id"], "row-0-task": tenant.task["id"], "cell-0-1": "1"}
    refused = browser.post(
        url(tenant, f"/timesheet?employee={tenant.employee['id']}&week={WEEK}"), forged
    )
    assert refused.status_code == 403
    edit = browser.post(url(tenant, f"/time-entries/{tenant.entry['id']}/edit"), {"hours": "1"})
    assert edit.status_code == 403
    assert snapshot(sql, tenant.ws) == before


def test_a_time_manager_fills_in_anyones_grid(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    member = factory.member(tenant.ws, "member")
    theirs = new_employee(factory.sql, tenant.ws, member)
    browser = browser_for(tenant.owner)
    page = url(tenant, f"/timesheet?employee={theirs['id']}&week={WEEK}")
    added = browser.post(page, {"project_id": tenant.project["id"], "add": "row"})
    typed = grid_form(added.text, **{label("Thu 5 Mar", tenant.project["code"]): "7"})
    redirected_to(browser.post(page, typed))
    rows = sql.owner(
        "SELECT employee_id, hours FROM time_entries WHERE entry_date = '2026-03-05'",
        workspace=tenant.ws["id"],
    )
    assert [(str(r["employee_id"]), str(r["hours"])) for r in rows] == [(str(theirs["id"]), "7.00")]


def test_rows_of_another_workspace_are_not_found(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    other = new_tenant(factory)
    before, before_other = snapshot(sql, tenant.ws), snapshot(sql, other.ws)
    forged = {"row-0": other.project["id"], "cell-0-1": "1"}
    resp = browser_for(tenant.owner).post(url(tenant, f"/timesheet?week={WEEK}"), forged)
    assert resp.status_code == 404
    garbled = browser_for(tenant.owner).post(
        url(tenant, f"/timesheet?week={WEEK}"), {"row-0": "not-an-id", "cell-0-1": "1"}
    )
    assert garbled.status_code == 422
    assert snapshot(sql, tenant.ws) == before
    assert snapshot(sql, other.ws) == before_other


def test_entries_are_edited_in_place_in_the_list(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    browser = browser_for(tenant.owner)
    entry = tenant.entry["id"]
    sheet = browser.get(url(tenant, f"/timesheet?week={WEEK}"))
    edit_link = f"/timesheet?employee={tenant.employee['id']}&amp;week={WEEK}&amp;edit={entry}"
    assert edit_link in sheet.text
    assert f'hx-select="#entry-{entry}"' in sheet.text
    editing = browser.get(url(tenant, f"/timesheet?week={WEEK}&edit={entry}"))
    row = re.search(rf'<tr id="entry-{entry}" class="editing">.*?</tr>', editing.text, re.S)
    assert row
    assert f'id="edit-{entry}-hours" name="hours" form="edit-{entry}"' in row.group(0)
    assert 'value="2.50"' in row.group(0)
    wrong = browser.post(
        url(tenant, f"/time-entries/{entry}/edit"), {"hours": "30", "description": "Typed"}
    )
    assert wrong.status_code == 422
    assert 'value="30"' in wrong.text
    assert 'value="Typed"' in wrong.text
    assert field_error(wrong.text, f"edit-{entry}-hours")
    htmx = browser.post(
        url(tenant, f"/time-entries/{entry}/edit"),
        {"hours": "0"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200  # HTMX swaps the row with its errors
    assert f'<tr id="entry-{entry}" class="editing">' in htmx.text
    saved = browser.post(
        url(tenant, f"/time-entries/{entry}/edit"), {"hours": "3.75", "description": "Review"}
    )
    assert redirected_to(saved) == url(
        tenant, f"/timesheet?employee={tenant.employee['id']}&week={WEEK}#entry-{entry}"
    )
    stored = sql.owner(
        "SELECT hours, description FROM time_entries WHERE id = %s",
        entry,
        workspace=tenant.ws["id"],
    )
    assert [(str(r["hours"]), r["description"]) for r in stored] == [("3.75", "Review")]


def test_cells_of_invoiced_or_several_entries_change_in_the_list(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws = tenant.owner, tenant.ws
    billed_project = new_project(owner, ws, name="Billed")
    billed = new_time_entry(owner, ws, billed_project, entry_date="2026-03-03", hours="1")
    browser = browser_for(owner)
    page = url(tenant, f"/timesheet?week={WEEK}")
    stale = browser.get(page)  # shown before the invoice and the second entry
    body = {
        "customer_id": new_customer(owner, ws)["id"],
        "project_id": billed_project["id"],
        "from": "2026-03-03",
        "to": "2026-03-03",
    }
    assert owner.post("/api/v1/invoices/from-time", ws=ws, json=body).status_code == 201
    new_time_entry(owner, ws, tenant.project, task_id=tenant.task["id"], hours="1")
    sheet = browser.get(page)
    assert label("Tue 3 Mar", billed_project["code"]) not in cells(sheet.text)
    assert label("Wed 4 Mar", billed_project["code"]) in cells(sheet.text)
    assert label("Mon 2 Mar", tenant.task["key"]) not in cells(sheet.text)
    assert "1.00 invoiced" in text(sheet)
    assert "3.50 2 entries" in text(sheet)
    before = snapshot(sql, ws)
    typed = {
        label("Tue 3 Mar", billed_project["code"]): "5",
        label("Mon 2 Mar", tenant.task["key"]): "1",
    }
    resp = browser.post(page, grid_form(stale.text, **typed))
    assert resp.status_code == 422
    assert text(resp).count("holds several entries or an invoiced one") == 2
    refused = browser.post(url(tenant, f"/time-entries/{billed['id']}/edit"), {"hours": "2"})
    assert refused.status_code == 409
    assert "on an invoice" in text(refused)
    assert snapshot(sql, ws) == before
