"""In a real browser: a project and its tasks, the board, the timesheet, a leave approval."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory
from tests.finance.helpers import new_employee
from tests.projects.helpers import new_project, new_task

NewContext = Callable[[], BrowserContext]


def test_project_board_time_and_leave(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user(name="Olga Owner")
    ws = factory.workspace(owner, name="Board Co")
    boss = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "Olga",
            "last_name": "Owner",
            "work_email": f"boss-{ws['slug']}@example.com",
            "user_id": str(owner.id),
            "status": "active",
        },
    ).json()
    staff = factory.member(ws, "member")
    created = owner.post(
        "/api/v1/employees",
        ws=ws,
        json={
            "first_name": "Sid",
            "last_name": "Staff",
            "work_email": f"sid-{ws['slug']}@example.com",
            "user_id": str(staff.id),
            "manager_id": boss["id"],
            "status": "active",
        },
    )
    assert created.status_code == 201, created.text
    kind = owner.post(
        "/api/v1/leave-types", ws=ws, json={"name": "Annual", "yearly_allowance_days": "25"}
    ).json()
    start = datetime.now(UTC).date() + timedelta(days=30)
    start += timedelta(days=(7 - start.weekday()) % 7)  # a Monday
    leave = staff.post(
        "/api/v1/leave-requests",
        ws=ws,
        json={
            "leave_type_id": kind["id"],
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=1)).isoformat(),
        },
    )
    assert leave.status_code == 201, leave.text

    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/")
    page.get_by_role("link", name="Projects").first.click()
    page.get_by_role("button", name="New project").click()
    page.get_by_label("Code").fill("WEB")
    page.get_by_label("Name").fill("Website")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Website")
    project_url = page.url
    for title in ("Design", "Launch"):
        page.goto(project_url)
        page.get_by_role("button", name="New task").click()
        page.get_by_label("Title").fill(title)
        page.get_by_role("button", name="Create task").click()
        expect(page.get_by_text(title).first).to_be_visible()

    page.goto(project_url)
    page.get_by_role("button", name="Board").click()
    board = page.locator("#board")
    expect(board.locator('[data-status-column="todo"]').get_by_text("Design")).to_be_visible()
    card = board.locator("[data-task]", has_text="Design")
    card.get_by_label("Status of WEB-1").select_option("in_progress")
    card.get_by_role("button", name="Move").click()
    expect(
        page.locator('#board [data-status-column="in_progress"]').get_by_text("Design")
    ).to_be_visible()
    shot(page, "05-board-task-moved")
    status = owner.get("/api/v1/tasks/by-key/WEB-1", ws=ws).json()["status"]
    assert status == "in_progress"

    page.get_by_role("link", name="Timesheet").click()
    page.get_by_label("Project").select_option(label="WEB · Website")
    page.get_by_role("button", name="Add row").click()
    page.get_by_label(re.compile(r"^Hours on .* for WEB$")).first.fill("3.5")
    page.get_by_role("button", name="Save timesheet", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Edit the entry of")).click()
    page.get_by_label(re.compile(r"^Note of")).fill("Wireframes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("cell", name="Wireframes")).to_be_visible()
    shot(page, "06-time-logged")
    entries = owner.get("/api/v1/time-entries", ws=ws).json()["items"]
    assert [(e["hours"], e["description"]) for e in entries] == [("3.50", "Wireframes")]

    page.get_by_role("link", name="Leave").click()
    row = page.get_by_role("row", name="Sid Staff")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("approved").first).to_be_visible()
    shot(page, "07-leave-approved")
    decided = owner.get(f"/api/v1/leave-requests/{leave.json()['id']}", ws=ws).json()
    assert decided["status"] == "approved"


def test_the_timesheets_task_list_follows_the_chosen_project(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name="Hours Co")
    web = new_project(owner, ws, code="WEB", name="Website")
    app = new_project(owner, ws, code="APP", name="App")
    new_employee(factory.sql, ws, owner)
    new_task(owner, ws, web, title="Wireframes")
    new_task(owner, ws, app, title="Login screen")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/timesheet")
    tasks = page.get_by_label("Task")
    expect(tasks.locator("option")).to_have_count(1)  # "None yet"
    page.get_by_label("Project").select_option(label="APP · App")
    expect(tasks.locator("option", has_text="Login screen")).to_have_count(1)
    expect(tasks.locator("option", has_text="Wireframes")).to_have_count(0)
    page.get_by_label("Project").select_option(label="WEB · Website")
    expect(tasks.locator("option", has_text="Wireframes")).to_have_count(1)
    expect(tasks.locator("option", has_text="Login screen")).to_have_count(0)
