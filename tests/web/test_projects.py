"""Pages of projects, tasks, the board and the weekly timesheet, over real HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from atlas.db import query
from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task
from tests.roles.helpers import new_role
from tests.sql import Sql
from tests.timesheets.helpers import new_employee, new_time_entry
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text

TABLES = ("projects", "tasks", "time_entries")


@dataclass
class Tenant:
    """A workspace whose owner is an employee, with a project, a task and an entry."""

    ws: dict[str, Any]
    owner: Actor
    employee: dict[str, Any]
    project: dict[str, Any]
    task: dict[str, Any]
    entry: dict[str, Any]
    spare: dict[str, Any]  # a project without logged time: one that can be deleted

    def path(self, path: str, entry: dict[str, Any] | None = None) -> str:
        return f"/w/{self.ws['slug']}" + path.format(
            project=self.project["id"],
            code=self.project["code"],
            task=self.task["id"],
            entry=(entry or self.entry)["id"],
            employee=self.employee["id"],
            spare=self.spare["id"],
        )


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(factory.sql, ws, owner)
    project = new_project(owner, ws)
    task = new_task(owner, ws, project)
    entry = new_time_entry(owner, ws, project, task_id=task["id"])
    return Tenant(ws, owner, employee, project, task, entry, new_project(owner, ws))


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    return new_tenant(factory)


def snapshot(sql: Sql, ws: dict[str, Any]) -> Any:
    return table_snapshot(sql, ws, TABLES)


def member_with_permissions(factory: Factory, tenant: Tenant, permissions: list[str]) -> Actor:
    """A member holding a custom role with only `permissions`."""
    role = new_role(tenant.owner, tenant.ws, permissions=permissions)
    user = factory.user()
    factory.sql.owner(
        "INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        tenant.ws["id"],
        uuid7(),
        user.id,
        role["name"],
        role["id"],
        workspace=tenant.ws["id"],
    )
    return user


# The five access cases of every route


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str
    data: dict[str, str] | None = None

    @property
    def denied_role(self) -> str | None:
        """A built-in role without the permission (None: only a custom role lacks it)."""
        if self.permission.startswith("projects:") and self.permission != "projects:read":
            return "member"
        if self.permission.endswith((":read",)):
            return None
        return "viewer"

    @property
    def allowed_role(self) -> str:
        return {"member": "admin", "viewer": "member"}.get(self.denied_role or "", "viewer")

    def form(self, tenant: Tenant) -> dict[str, str]:
        return {k: v.format(project=tenant.project["id"]) for k, v in (self.data or {}).items()}

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/projects", "projects:read"),
    Route("GET", "/projects/new", "projects:create"),
    Route("POST", "/projects/new", "projects:create", {"code": "NEWP", "name": "New"}),
    Route("GET", "/projects/{project}", "projects:read"),
    Route("GET", "/projects/{project}/edit", "projects:update"),
    Route(
        "POST",
        "/projects/{project}/edit",
        "projects:update",
        {"code": "RENAMED", "name": "Renamed", "status": "active"},
    ),
    Route("POST", "/projects/{spare}/delete", "projects:delete"),
    Route("GET", "/projects/{project}/board", "tasks:read"),
    Route("POST", "/tasks/{task}/move", "tasks:update", {"status": "done"}),
    Route("GET", "/projects/{project}/tasks/new", "tasks:create"),
    Route("POST", "/projects/{project}/tasks/new", "tasks:create", {"title": "New"}),
    Route("GET", "/tasks/{task}", "tasks:read"),
    Route("GET", "/tasks/{task}/edit", "tasks:update"),
    Route(
        "POST",
        "/tasks/{task}/edit",
        "tasks:update",
        {"title": "Renamed", "status": "todo", "priority": "high"},
    ),
    Route("POST", "/tasks/{task}/delete", "tasks:delete"),
    Route("GET", "/timesheet?employee={employee}", "time:read"),
    Route("POST", "/timesheet", "time:write", {"row-0": "{project}", "cell-0-2": "1"}),
    Route("POST", "/time-entries/{entry}/edit", "time:write", {"hours": "3"}),
    Route("POST", "/time-entries/{entry}/delete", "time:write"),
]
WITH_IDS = [r for r in ROUTES if "{" in r.path]


def call(browser: Any, route: Route, url: str, tenant: Tenant) -> Any:
    if route.method == "GET":
        return browser.get(url)
    return browser.post(url, route.form(tenant))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(
    route: Route, tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    before = snapshot(sql, tenant.ws)
    url = tenant.path(route.path)
    location = redirected_to(call(browser_for(None), route, url, tenant))
    expected = quote(url, safe="/") if route.method == "GET" else "/"
    assert location == f"/sign-in?next={expected}"
    assert snapshot(sql, tenant.ws) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_non_members_get_the_404_page(
    route: Route, tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    before = snapshot(sql, tenant.ws)
    resp = call(browser_for(factory.user()), route, tenant.path(route.path), tenant)
    assert resp.status_code == 404
    assert "Page not found" in text(resp)
    assert snapshot(sql, tenant.ws) == before


@pytest.mark.parametrize("route", WITH_IDS, ids=str)
def test_ids_of_another_workspace_are_not_found(
    route: Route, tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    other = new_tenant(factory)
    before, before_other = snapshot(sql, tenant.ws), snapshot(sql, other.ws)
    # The other workspace's ids, under this workspace's address.
    url = tenant.path("") + other.path(route.path).removeprefix(other.path(""))
    resp = call(browser_for(tenant.owner), route, url, tenant)
    assert resp.status_code == 404
    assert "Page not found" in text(resp)
    assert snapshot(sql, tenant.ws) == before
    assert snapshot(sql, other.ws) == before_other


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_role_without_the_permission_gets_the_403_page(
    route: Route, tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    role = route.denied_role
    if role is None:
        user = member_with_permissions(factory, tenant, ["workspace:read"])
    else:
        user = factory.member(tenant.ws, role)
    before = snapshot(sql, tenant.ws)
    resp = call(browser_for(user), route, tenant.path(route.path), tenant)
    assert resp.status_code == 403
    assert route.permission in text(resp)
    assert snapshot(sql, tenant.ws) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_lowest_allowed_role_succeeds(
    route: Route, tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    user = factory.member(tenant.ws, route.allowed_role)
    employee = new_employee(sql, tenant.ws, user)
    own = new_time_entry(tenant.owner, tenant.ws, tenant.project, employee_id=employee["id"])
    before = snapshot(sql, tenant.ws)
    resp = call(browser_for(user), route, tenant.path(route.path, own), tenant)
    if route.method == "GET":
        assert resp.status_code == 200, text(resp)[:500]
        assert snapshot(sql, tenant.ws) == before
    else:
        assert redirected_to(resp).startswith(tenant.path(""))
        assert snapshot(sql, tenant.ws) != before


# Projects


def test_the_project_list_filters_sorts_and_links(tenant: Tenant, browser_for: BrowserFor) -> None:
    other = new_project(tenant.owner, tenant.ws, name="Zeta launch", status="active")
    browser = browser_for(tenant.owner)
    listing = browser.get(tenant.path("/projects?sort=-name"))
    body = text(listing)
    assert "New project" in body
    assert body.index("Zeta launch") < body.index(tenant.project["name"])
    active = text(browser.get(tenant.path("/projects?status=active")))
    assert "Zeta launch" in active
    assert tenant.project["code"] not in active
    searched = browser.get(tenant.path("/projects?q=zeta"))
    assert f'href="{tenant.path("/projects/" + other["id"])}"' in searched.text
    empty = text(browser.get(tenant.path("/projects?q=nothing-like-this")))
    assert "No project matches these filters." in empty


def test_creating_a_project_and_its_errors(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    browser = browser_for(tenant.owner)
    invalid = browser.post(
        tenant.path("/projects/new"), {"code": "1X", "name": "Typed name", "currency": "euro"}
    )
    assert invalid.status_code == 422
    assert 'value="Typed name"' in invalid.text
    assert re.search(r'name="code"[^>]*aria-invalid="true"', invalid.text)
    assert re.search(r'name="currency"[^>]*aria-invalid="true"', invalid.text)
    taken = browser.post(
        tenant.path("/projects/new"), {"code": tenant.project["code"], "name": "X"}
    )
    assert taken.status_code == 422
    assert "already uses this code" in text(taken)
    created = browser.post(
        tenant.path("/projects/new"), {"code": "web", "name": "Website", "budget": "1500"}
    )
    location = redirected_to(created)
    rows = sql.owner(
        "SELECT id, code, budget FROM projects WHERE name = 'Website'", workspace=tenant.ws["id"]
    )
    assert [(r["code"], str(r["budget"])) for r in rows] == [("WEB", "1500.00")]
    assert location == tenant.path(f"/projects/{rows[0]['id']}")
    assert "Project WEB created." in text(browser.get(location))


def test_editing_a_project_clears_blank_fields(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    project = new_project(tenant.owner, tenant.ws, budget="100", start_date="2026-01-01")
    browser = browser_for(tenant.owner)
    form = browser.get(tenant.path(f"/projects/{project['id']}/edit"))
    assert 'value="2026-01-01"' in form.text
    bad = browser.post(
        tenant.path(f"/projects/{project['id']}/edit"),
        {
            "code": project["code"],
            "name": "Kept",
            "end_date": "2025-01-01",
            "start_date": "2026-01-01",
        },
    )
    assert bad.status_code == 422
    assert "The end date is before the start date." in text(bad)
    saved = browser.post(
        tenant.path(f"/projects/{project['id']}/edit"),
        {"code": project["code"], "name": "Renamed", "status": "on_hold"},
    )
    redirected_to(saved)
    row = sql.owner(
        "SELECT name, status, budget, start_date FROM projects WHERE id = %s",
        project["id"],
        workspace=tenant.ws["id"],
    )[0]
    assert row == {"name": "Renamed", "status": "on_hold", "budget": None, "start_date": None}


def test_the_project_page_lists_its_tasks_and_deletes(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    assignee = factory.member(tenant.ws, "member")
    task = new_task(
        tenant.owner, tenant.ws, tenant.project, title="Ship it", assignee_user_id=str(assignee.id)
    )
    browser = browser_for(tenant.owner)
    page = browser.get(tenant.path("/projects/{project}"))
    body = text(page)
    assert task["key"] in body
    assert assignee.name in body
    assert f'href="{tenant.path("/tasks/" + task["id"])}"' in page.text
    assert f'href="{tenant.path("/projects/{project}/board")}"' in page.text
    assert "data-confirm=" in page.text
    refused = browser.post(tenant.path("/projects/{project}/delete"))
    assert redirected_to(refused) == tenant.path("/projects/{project}")
    assert "Time has been logged on this project" in text(browser.get(redirected_to(refused)))
    deleted = browser.post(tenant.path("/projects/{spare}/delete"))
    assert redirected_to(deleted) == tenant.path("/projects")
    left = sql.owner(
        "SELECT id FROM projects WHERE id IN (%s, %s)",
        tenant.project["id"],
        tenant.spare["id"],
        workspace=tenant.ws["id"],
    )
    assert [str(r["id"]) for r in left] == [tenant.project["id"]]


def test_names_are_escaped(tenant: Tenant, browser_for: BrowserFor) -> None:
    payload = "<script>alert(1)</script>"
    project = new_project(tenant.owner, tenant.ws, name=payload)
    task = new_task(tenant.owner, tenant.ws, project, title=payload)
    browser = browser_for(tenant.owner)
    for path in (
        "/projects",
        f"/projects/{project['id']}",
        f"/projects/{project['id']}/board",
        f"/tasks/{task['id']}",
    ):
        resp = browser.get(tenant.path(path))
        assert payload not in resp.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text, path


# Tasks


def test_creating_and_editing_a_task(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    assignee = factory.member(tenant.ws, "member")
    browser = browser_for(tenant.owner)
    form = browser.get(tenant.path("/projects/{project}/tasks/new"))
    assert f'<option value="{assignee.id}"' in form.text
    blank = browser.post(tenant.path("/projects/{project}/tasks/new"), {"description": "Typed"})
    assert blank.status_code == 422
    assert re.search(r'name="title"[^>]*aria-invalid="true"', blank.text)
    assert ">Typed</textarea>" in blank.text
    created = browser.post(
        tenant.path("/projects/{project}/tasks/new"),
        {"title": "Write docs", "priority": "high", "assignee_user_id": str(assignee.id)},
    )
    location = redirected_to(created)
    detail = text(browser.get(location))
    assert f"{tenant.project['code']}-2" in detail
    assert assignee.name in detail
    task_id = location.rsplit("/", 1)[1]
    edited = browser.post(
        tenant.path(f"/tasks/{task_id}/edit"),
        {
            "title": "Write the docs",
            "status": "in_progress",
            "priority": "low",
            "estimate_hours": "3.5",
        },
    )
    assert redirected_to(edited) == tenant.path(f"/tasks/{task_id}")
    row = sql.owner(
        "SELECT title, status, priority, assignee_user_id, estimate_hours FROM tasks WHERE id = %s",
        task_id,
        workspace=tenant.ws["id"],
    )[0]
    assert row["title"] == "Write the docs"
    assert (row["status"], row["priority"], str(row["estimate_hours"])) == (
        "in_progress",
        "low",
        "3.50",
    )
    assert row["assignee_user_id"] is None  # left blank: unassigned


def test_deleting_a_task_goes_back_to_its_project(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    task = new_task(tenant.owner, tenant.ws, tenant.project)
    resp = browser_for(tenant.owner).post(tenant.path(f"/tasks/{task['id']}/delete"))
    assert redirected_to(resp) == tenant.path("/projects/{project}")
    rows = sql.owner("SELECT 1 FROM tasks WHERE id = %s", task["id"], workspace=tenant.ws["id"])
    assert rows == []


# The board


def task_status(sql: Sql, tenant: Tenant, task_id: str) -> str:
    status: str = sql.owner(
        "SELECT status FROM tasks WHERE id = %s", task_id, workspace=tenant.ws["id"]
    )[0]["status"]
    return status


def test_the_board_shows_columns_and_moves_cards(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    member = browser_for(factory.member(tenant.ws, "member"))
    board = member.get(tenant.path("/projects/{project}/board"))
    assert 'id="board"' in board.text
    assert "data-board" in board.text
    for status in ("todo", "in_progress", "blocked", "done", "cancelled"):
        assert f'data-status-column="{status}"' in board.text
    assert f'data-task="{tenant.task["id"]}" draggable="true"' in board.text
    assert 'action="' + tenant.path("/tasks/{task}/move") + '"' in board.text
    moved = member.post(tenant.path("/tasks/{task}/move"), {"status": "blocked"})
    assert redirected_to(moved) == tenant.path("/projects/{project}/board")
    assert task_status(sql, tenant, tenant.task["id"]) == "blocked"
    htmx = member.http.post(
        tenant.path("/tasks/{task}/move"),
        data={"status": "done"},
        headers={"X-CSRF-Token": member.csrf, "HX-Request": "true"},
    )
    assert htmx.status_code == 200
    assert htmx.headers["HX-Redirect"] == tenant.path("/projects/{project}/board")
    assert task_status(sql, tenant, tenant.task["id"]) == "done"
    after = text(member.get(tenant.path("/projects/{project}/board")))
    assert f"{tenant.task['key']} moved to Done." in after


def test_a_bad_move_is_reported_and_changes_nothing(
    tenant: Tenant, browser_for: BrowserFor, sql: Sql
) -> None:
    browser = browser_for(tenant.owner)
    resp = browser.post(tenant.path("/tasks/{task}/move"), {"status": "finished"})
    assert redirected_to(resp) == tenant.path("/projects/{project}/board")
    assert task_status(sql, tenant, tenant.task["id"]) == "todo"
    assert f"{tenant.task['key']} was not moved" in text(browser.get(redirected_to(resp)))


def test_a_viewer_sees_no_move_forms_or_new_buttons(
    tenant: Tenant, factory: Factory, browser_for: BrowserFor
) -> None:
    viewer = browser_for(factory.member(tenant.ws, "viewer"))
    board = viewer.get(tenant.path("/projects/{project}/board"))
    assert board.status_code == 200
    assert tenant.task["key"] in text(board)
    assert "data-move" not in board.text
    assert 'draggable="true"' not in board.text
    assert "New task" not in text(board)
    listing = text(viewer.get(tenant.path("/projects")))
    assert "New project" not in listing
    detail = viewer.get(tenant.path("/projects/{project}"))
    assert "New task" not in text(detail)
    assert "/delete" not in detail.text
    sheet = viewer.get(tenant.path("/timesheet"))
    assert sheet.status_code == 200
    assert "Save timesheet" not in text(sheet)
    assert 'class="hours"' not in sheet.text


def test_a_list_past_the_count_cap_says_more_than_and_still_pages_on(
    tenant: Tenant, browser_for: BrowserFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "COUNT_CAP", 2)
    new_project(tenant.owner, tenant.ws)  # three projects: more than the cap of two
    owner = browser_for(tenant.owner)
    first = owner.get(tenant.path("/projects"), params={"limit": 2})
    assert "1\N{EN DASH}2 of more than 2" in text(first)
    assert 'rel="next"' in first.text
    last = owner.get(tenant.path("/projects"), params={"limit": 2, "offset": 2})
    assert "3\N{EN DASH}3 of 3" in text(last)  # the short last page knows the total
    assert 'rel="next"' not in last.text
    assert 'rel="prev"' in last.text
