"""The weekly timesheet page: the sums, whose time, invoiced entries, the new row's task.

The grid's typing and saving are in test_timesheet_grid.py.

Its routes' five access cases are in the page access table of test_projects.py.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import Factory
from tests.finance.helpers import new_customer
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql
from tests.timesheets.helpers import Tenant, new_employee, new_tenant, new_time_entry
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    return new_tenant(factory)


def page_url(tenant: Tenant, path: str) -> str:
    return f"/w/{tenant.ws['slug']}{path}"


def test_the_week_grid_sums_per_row_per_day_and_in_all(
    tenant: Tenant, browser_for: BrowserFor
) -> None:
    owner, ws = tenant.owner, tenant.ws  # the fixture booked 2.5 h on Mon 2026-03-02
    other = new_project(owner, ws, name="Second")
    new_time_entry(owner, ws, tenant.project, entry_date="2026-03-02", hours="1.25")
    new_time_entry(owner, ws, tenant.project, entry_date="2026-03-04", hours="3")
    new_time_entry(owner, ws, other, entry_date="2026-03-04", hours="2")
    new_time_entry(owner, ws, other, entry_date="2026-03-08", hours="0.5")
    new_time_entry(owner, ws, other, entry_date="2026-03-09", hours="8")  # next week
    resp = browser_for(owner).get(page_url(tenant, "/timesheet?week=2026-03-05"))
    assert resp.status_code == 200

    def cell(cell_id: str) -> str:
        found = re.search(rf'id="{cell_id}">([^<]*)<', resp.text)
        assert found, cell_id
        return found.group(1)

    assert cell("day-total-2026-03-02") == "3.75"
    assert cell("day-total-2026-03-03") == "0.00"
    assert cell("day-total-2026-03-04") == "5.00"
    assert cell("day-total-2026-03-08") == "0.50"
    assert cell("week-total") == "9.25"
    body = text(resp)
    assert f"{tenant.task['key']} {tenant.task['title']}" in body  # a row per task
    assert "Second" in body
    assert "week of Mar 2, 2026 \N{EN DASH} Mar 8, 2026" in body
    assert "week=2026-02-23" in resp.text
    assert "week=2026-03-09" in resp.text


def test_a_member_sees_their_own_time_and_the_manager_picks_anyone(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor
) -> None:
    member = factory.member(tenant.ws, "member")
    employee = new_employee(factory.sql, tenant.ws, member)
    sheet = browser_for(member).get(page_url(tenant, "/timesheet"))
    assert employee["last_name"] in text(sheet)
    assert 'name="employee"' not in sheet.text  # no picker without time:manage
    manager = browser_for(tenant.owner).get(
        page_url(tenant, f"/timesheet?employee={employee['id']}")
    )
    assert employee["last_name"] in text(manager)
    assert f'<option value="{employee["id"]}" selected' in manager.text


def test_invoiced_entries_are_locked_and_others_deleted(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws = tenant.owner, tenant.ws
    billed_project = new_project(owner, ws, name="Billed")
    billed = new_time_entry(owner, ws, billed_project, entry_date="2026-03-03", hours="1")
    body = {
        "customer_id": new_customer(owner, ws)["id"],
        "project_id": billed_project["id"],
        "from": "2026-03-03",
        "to": "2026-03-03",
    }
    assert owner.post("/api/v1/invoices/from-time", ws=ws, json=body).status_code == 201
    browser = browser_for(owner)
    sheet = browser.get(page_url(tenant, "/timesheet?week=2026-03-02"))
    assert page_url(tenant, f"/time-entries/{tenant.entry['id']}/delete") in sheet.text
    assert page_url(tenant, f"/time-entries/{billed['id']}/delete") not in sheet.text
    assert "Invoiced · locked" in text(sheet)
    refused = browser.post(page_url(tenant, f"/time-entries/{billed['id']}/delete"))
    assert "week=2026-03-03" in redirected_to(refused)
    assert "on an invoice" in text(browser.get(redirected_to(refused)))
    deleted = browser.post(page_url(tenant, f"/time-entries/{tenant.entry['id']}/delete"))
    assert "week=2026-03-02" in redirected_to(deleted)
    left = sql.owner(
        "SELECT id FROM time_entries WHERE id IN (%s, %s)",
        tenant.entry["id"],
        billed["id"],
        workspace=ws["id"],
    )
    assert [str(r["id"]) for r in left] == [billed["id"]]


def test_the_task_choice_holds_the_chosen_projects_open_tasks(
    tenant: Tenant, browser_for: BrowserFor
) -> None:
    other = new_project(tenant.owner, tenant.ws, name="Other")
    theirs = new_task(tenant.owner, tenant.ws, other, title="Elsewhere")
    mine = new_task(tenant.owner, tenant.ws, tenant.project, title="Here")
    browser = browser_for(tenant.owner)
    before = browser.get(page_url(tenant, "/timesheet"))
    task_field = re.search(r'<div id="task-field".*?</div>\s*</div>', before.text, re.S)
    assert task_field
    assert "once it is chosen" in task_field.group(0)
    assert theirs["id"] not in task_field.group(0)
    # As the project changes, the page asks for its tasks.
    assert (
        f'hx-get="/w/{tenant.ws["slug"]}/timesheet/task-field" hx-trigger="change"' in before.text
    )
    fragment = browser.get(
        page_url(tenant, "/timesheet/task-field"), params={"project_id": tenant.project["id"]}
    )
    assert fragment.status_code == 200
    assert f'value="{mine["id"]}"' in fragment.text
    assert f'value="{theirs["id"]}"' not in fragment.text
    mixed = browser.post(
        page_url(tenant, "/timesheet?week=2026-03-02"),
        {"project_id": tenant.project["id"], "task_id": theirs["id"], "add": "row"},
    )
    assert mixed.status_code == 422
    assert "not a task of this project" in text(mixed)
    # Refused, the form shows the tasks of the project it holds.
    shown = re.search(r'<div id="task-field".*?</div>\s*</div>', mixed.text, re.S)
    assert shown
    assert f'value="{mine["id"]}"' in shown.group(0)
    assert f'value="{theirs["id"]}"' not in shown.group(0)
