"""Bulk actions of the lists: tasks moved, leave decided, drafts deleted, all or nothing."""

from __future__ import annotations

from typing import Any

from atlas.db.ids import uuid7
from atlas.web.bulk import MAX_IDS
from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.finance.helpers import issue, new_customer, new_invoice
from tests.hr.helpers import monday, new_employee, new_leave_request, new_leave_type
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text


def _statuses(sql: Sql, ws: dict[str, Any], table: str, ids: list[str]) -> list[str]:
    rows = sql.owner(
        f"SELECT id::text, status FROM {table} WHERE id = ANY(%s::uuid[])",
        ids,
        workspace=ws["id"],
    )
    by_id = {r["id"]: r["status"] for r in rows}
    return [by_id.get(i, "gone") for i in ids]


def _flash(browser: Any, url: str) -> str:
    return text(browser.get(url))


# Tasks


def _project_with_tasks(
    factory: Factory, count: int
) -> tuple[Actor, dict[str, Any], Any, list[str]]:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    tasks = [new_task(owner, ws, project, title=f"Task {n}")["id"] for n in range(count)]
    return owner, ws, project, tasks


def test_tasks_are_marked_done_or_moved_together(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, project, tasks = _project_with_tasks(factory, 3)
    url = f"/w/{ws['slug']}/projects/{project['id']}"
    browser = browser_for(owner)
    page = browser.get(url).text
    assert f'action="{url}/tasks/bulk"' in page
    assert f'name="ids" value="{tasks[0]}" form="bulk-tasks"' in page
    assert "Select every task of this page" in page
    done = browser.post(f"{url}/tasks/bulk", {"ids": tasks[:2], "action": "done"})
    assert redirected_to(done) == url
    assert "2 tasks moved to Done." in _flash(browser, url)
    assert _statuses(sql, ws, "tasks", tasks) == ["done", "done", "todo"]
    moved = browser.post(
        f"{url}/tasks/bulk", {"ids": tasks[1:], "action": "move", "to": "in_progress"}
    )
    assert redirected_to(moved) == url
    assert _statuses(sql, ws, "tasks", tasks) == ["done", "in_progress", "in_progress"]


def test_a_task_of_another_workspace_refuses_the_whole_request(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, project, tasks = _project_with_tasks(factory, 2)
    _, other_ws, _, other_tasks = _project_with_tasks(factory, 1)
    url = f"/w/{ws['slug']}/projects/{project['id']}/tasks/bulk"
    before = table_snapshot(sql, ws, ("tasks",))
    refused = browser_for(owner).post(
        url, {"ids": [tasks[0], other_tasks[0], tasks[1]], "action": "done"}
    )
    assert refused.status_code == 404
    assert "Page not found" in text(refused)
    assert table_snapshot(sql, ws, ("tasks",)) == before
    assert _statuses(sql, other_ws, "tasks", other_tasks) == ["todo"]


def test_a_task_of_another_project_refuses_the_whole_request(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, project, tasks = _project_with_tasks(factory, 1)
    elsewhere = new_task(owner, ws, new_project(owner, ws), title="Elsewhere")
    url = f"/w/{ws['slug']}/projects/{project['id']}/tasks/bulk"
    refused = browser_for(owner).post(url, {"ids": [tasks[0], elsewhere["id"]], "action": "done"})
    assert refused.status_code == 404
    assert _statuses(sql, ws, "tasks", [tasks[0], elsewhere["id"]]) == ["todo", "todo"]


def test_an_unknown_status_moves_no_task(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, project, tasks = _project_with_tasks(factory, 1)
    url = f"/w/{ws['slug']}/projects/{project['id']}"
    browser = browser_for(owner)
    refused = browser.post(f"{url}/tasks/bulk", {"ids": tasks, "action": "move", "to": "lost"})
    assert redirected_to(refused) == url
    assert "No task was moved:" in _flash(browser, url)
    assert _statuses(sql, ws, "tasks", tasks) == ["todo"]


def test_task_bulk_access(factory: Factory, browser_for: BrowserFor, sql: Sql) -> None:
    _, ws, project, tasks = _project_with_tasks(factory, 1)
    url = f"/w/{ws['slug']}/projects/{project['id']}/tasks/bulk"
    form = {"ids": tasks, "action": "done"}
    anonymous = browser_for(None).post(url, form)
    assert redirected_to(anonymous) == "/sign-in?next=/"
    stranger = browser_for(factory.user()).post(url, form)
    assert stranger.status_code == 404
    viewer = factory.member(ws, "viewer")
    assert (
        'form="bulk-tasks"'
        not in browser_for(viewer).get(f"/w/{ws['slug']}/projects/{project['id']}").text
    )
    refused = browser_for(viewer).post(url, form)
    assert refused.status_code == 403
    assert "tasks:update" in text(refused)
    assert _statuses(sql, ws, "tasks", tasks) == ["todo"]


def test_at_most_the_cap_of_ids_a_request(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, project, _ = _project_with_tasks(factory, 0)
    rows = [
        {
            "workspace_id": ws["id"],
            "id": uuid7(),
            "project_id": project["id"],
            "number": 1000 + n,
            "title": f"Bulk {n}",
        }
        for n in range(MAX_IDS + 1)
    ]
    made = [
        str(r["id"]) for r in sql.insert_rows("tasks", rows, returning="id", workspace=ws["id"])
    ]
    url = f"/w/{ws['slug']}/projects/{project['id']}"
    browser = browser_for(owner)
    too_many = browser.post(f"{url}/tasks/bulk", {"ids": made, "action": "done"})
    assert too_many.status_code == 422
    assert f"At most {MAX_IDS} rows can be changed at once; {MAX_IDS + 1} were chosen." in text(
        too_many
    )
    assert set(_statuses(sql, ws, "tasks", made)) == {"todo"}
    at_the_cap = browser.post(f"{url}/tasks/bulk", {"ids": made[:MAX_IDS], "action": "done"})
    assert redirected_to(at_the_cap) == url
    assert _statuses(sql, ws, "tasks", made) == ["done"] * MAX_IDS + ["todo"]


def test_nothing_chosen_or_not_an_id(factory: Factory, browser_for: BrowserFor) -> None:
    owner, ws, project, _ = _project_with_tasks(factory, 0)
    url = f"/w/{ws['slug']}/projects/{project['id']}"
    browser = browser_for(owner)
    assert redirected_to(browser.post(f"{url}/tasks/bulk", {"action": "done"})) == url
    assert "Choose at least one row first." in _flash(browser, url)
    malformed = browser.post(f"{url}/tasks/bulk", {"ids": ["nope"], "action": "done"})
    assert malformed.status_code == 422
    assert "A chosen row is not an id." in text(malformed)


# Leave requests


def _pending_leave(factory: Factory, count: int) -> tuple[Actor, dict[str, Any], list[str], str]:
    """A workspace whose owner may decide `count` pending requests (filed by an admin)."""
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws)
    leave_type = new_leave_type(owner, ws)
    clerk = factory.member(ws, "admin")
    requests = [
        new_leave_request(
            clerk, ws, leave_type, monday(10 + n), monday(10 + n), employee_id=employee["id"]
        )["id"]
        for n in range(count)
    ]
    return owner, ws, requests, employee["last_name"]


def test_leave_requests_are_approved_or_rejected_together(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, requests, last_name = _pending_leave(factory, 4)
    url = f"/w/{ws['slug']}/leave"
    browser = browser_for(owner)
    page = browser.get(url).text
    assert f'name="ids" value="{requests[0]}" form="bulk-leave"' in page
    assert f"Select the leave request of Ada {last_name} from" in page
    approved = browser.post(f"{url}/bulk", {"ids": requests[:2], "decision": "approve"})
    assert redirected_to(approved) == url
    assert "2 leave requests approved." in _flash(browser, url)
    rejected = browser.post(
        f"{url}/bulk", {"ids": requests[2:], "decision": "reject", "note": "Team offsite"}
    )
    assert redirected_to(rejected) == url
    rows = sql.owner(
        "SELECT status, decision_note FROM leave_requests"
        " WHERE id = ANY(%s::uuid[]) ORDER BY start_date",
        requests,
        workspace=ws["id"],
    )
    assert [(r["status"], r["decision_note"]) for r in rows] == [
        ("approved", ""),
        ("approved", ""),
        ("rejected", "Team offsite"),
        ("rejected", "Team offsite"),
    ]


def test_one_decided_request_leaves_every_request_pending(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, requests, last_name = _pending_leave(factory, 3)
    url = f"/w/{ws['slug']}/leave"
    browser = browser_for(owner)
    assert redirected_to(browser.post(f"{url}/{requests[1]}/approve")) == f"{url}/{requests[1]}"
    refused = browser.post(f"{url}/bulk", {"ids": requests, "decision": "reject"})
    assert redirected_to(refused) == url
    assert (
        f"Nothing was changed. The leave request of Ada {last_name} from {monday(11).isoformat()}:"
        " A approved leave request cannot be rejected."
    ) in _flash(browser, url)
    assert _statuses(sql, ws, "leave_requests", requests) == ["pending", "approved", "pending"]


def test_leave_bulk_access(factory: Factory, browser_for: BrowserFor, sql: Sql) -> None:
    owner, ws, requests, last_name = _pending_leave(factory, 2)
    _, other_ws, other_requests, _ = _pending_leave(factory, 1)
    url = f"/w/{ws['slug']}/leave/bulk"
    form = {"ids": requests, "decision": "approve"}
    anonymous = browser_for(None).post(url, form)
    assert redirected_to(anonymous) == "/sign-in?next=/"
    assert browser_for(factory.user()).post(url, form).status_code == 404
    viewer = browser_for(factory.member(ws, "viewer"))
    assert 'form="bulk-leave"' not in viewer.get(f"/w/{ws['slug']}/leave").text
    refused = viewer.post(url, form)
    assert refused.status_code == 403
    assert f"The leave request of Ada {last_name} from" in text(refused)
    assert "leave:approve" in text(refused)
    mixed = browser_for(owner).post(
        url, {"ids": [*requests, *other_requests], "decision": "approve"}
    )
    assert mixed.status_code == 404
    assert _statuses(sql, ws, "leave_requests", requests) == ["pending", "pending"]
    assert _statuses(sql, other_ws, "leave_requests", other_requests) == ["pending"]


# Draft invoices


def _drafts(
    factory: Factory, count: int
) -> tuple[Actor, dict[str, Any], list[str], dict[str, Any]]:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws)
    return owner, ws, [new_invoice(owner, ws, customer)["id"] for _ in range(count)], customer


def test_draft_invoices_are_deleted_together(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, drafts, customer = _drafts(factory, 3)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    url = f"/w/{ws['slug']}/invoices"
    browser = browser_for(owner)
    page = browser.get(url).text
    assert f'name="ids" value="{drafts[0]}" form="bulk-invoices"' in page
    assert f'value="{issued["id"]}"' not in page
    deleted = browser.post(f"{url}/bulk-delete", {"ids": drafts[:2]})
    assert redirected_to(deleted) == url
    assert "2 draft invoices deleted." in _flash(browser, url)
    assert _statuses(sql, ws, "invoices", drafts) == ["gone", "gone", "draft"]


def test_the_list_comes_back_with_its_filters_and_sort(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, drafts, _ = _drafts(factory, 2)
    url = f"/w/{ws['slug']}/invoices"
    view = "status=draft&sort=-number"
    browser = browser_for(owner)
    assert (
        f'action="{url}/bulk-delete?{view.replace("&", "&amp;")}"'
        in browser.get(f"{url}?{view}").text
    )
    deleted = browser.post(f"{url}/bulk-delete?{view}", {"ids": drafts[:1]})
    assert redirected_to(deleted) == f"{url}?{view}"
    assert _statuses(sql, ws, "invoices", drafts) == ["gone", "draft"]


def test_an_issued_invoice_keeps_every_draft(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner, ws, drafts, customer = _drafts(factory, 2)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    url = f"/w/{ws['slug']}/invoices"
    browser = browser_for(owner)
    refused = browser.post(f"{url}/bulk-delete", {"ids": [drafts[0], issued["id"], drafts[1]]})
    assert redirected_to(refused) == url
    shown = _flash(browser, url)
    assert f"Nothing was changed. Invoice {issued['number']}:" in shown
    assert _statuses(sql, ws, "invoices", [*drafts, issued["id"]]) == ["draft", "draft", "issued"]


def test_invoice_bulk_access(factory: Factory, browser_for: BrowserFor, sql: Sql) -> None:
    owner, ws, drafts, _ = _drafts(factory, 1)
    _, other_ws, other_drafts, _ = _drafts(factory, 1)
    url = f"/w/{ws['slug']}/invoices/bulk-delete"
    anonymous = browser_for(None).post(url, {"ids": drafts})
    assert redirected_to(anonymous) == "/sign-in?next=/"
    assert browser_for(factory.user()).post(url, {"ids": drafts}).status_code == 404
    viewer = browser_for(factory.member(ws, "viewer"))
    refused = viewer.post(url, {"ids": drafts})
    assert refused.status_code == 403
    assert "invoices:write" in text(refused)
    mixed = browser_for(owner).post(url, {"ids": [*drafts, *other_drafts]})
    assert mixed.status_code == 404
    assert _statuses(sql, ws, "invoices", drafts) == ["draft"]
    assert _statuses(sql, other_ws, "invoices", other_drafts) == ["draft"]


def test_the_form_needs_the_csrf_token(factory: Factory, browser_for: BrowserFor, sql: Sql) -> None:
    owner, ws, drafts, _ = _drafts(factory, 1)
    refused = browser_for(owner).post(
        f"/w/{ws['slug']}/invoices/bulk-delete", {"ids": drafts}, csrf=False
    )
    assert refused.status_code == 403
    assert _statuses(sql, ws, "invoices", drafts) == ["draft"]


# Draft journal entries


def _journal_drafts(sql: Sql, ws: dict[str, Any], count: int) -> list[str]:
    rows = [
        {"workspace_id": ws["id"], "id": uuid7(), "currency": "USD", "memo": f"Accrual {n}"}
        for n in range(count)
    ]
    made = sql.insert_rows("journal_drafts", rows, returning="id", workspace=ws["id"])
    return [str(r["id"]) for r in made]


def _remaining(sql: Sql, ws: dict[str, Any], ids: list[str]) -> int:
    rows = sql.owner(
        "SELECT count(*) AS n FROM journal_drafts WHERE id = ANY(%s::uuid[])",
        ids,
        workspace=ws["id"],
    )
    return int(rows[0]["n"])


def test_draft_entries_are_deleted_together(
    factory: Factory, browser_for: BrowserFor, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    drafts = _journal_drafts(sql, ws, 3)
    url = f"/w/{ws['slug']}/journal/drafts"
    browser = browser_for(owner)
    page = browser.get(url).text
    assert f'name="ids" value="{drafts[0]}" form="bulk-drafts"' in page
    assert "Select the draft Accrual 0 of" in page
    deleted = browser.post(f"{url}/bulk-delete", {"ids": drafts[:2]})
    assert redirected_to(deleted) == url
    assert "2 draft entries deleted." in _flash(browser, url)
    assert _remaining(sql, ws, drafts) == 1


def test_draft_entry_bulk_access(factory: Factory, browser_for: BrowserFor, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other_ws = factory.workspace(factory.user())
    drafts, other_drafts = _journal_drafts(sql, ws, 1), _journal_drafts(sql, other_ws, 1)
    url = f"/w/{ws['slug']}/journal/drafts/bulk-delete"
    assert redirected_to(browser_for(None).post(url, {"ids": drafts})) == "/sign-in?next=/"
    assert browser_for(factory.user()).post(url, {"ids": drafts}).status_code == 404
    refused = browser_for(factory.member(ws, "viewer")).post(url, {"ids": drafts})
    assert refused.status_code == 403
    assert "ledger:post" in text(refused)
    mixed = browser_for(owner).post(url, {"ids": [*drafts, *other_drafts]})
    assert mixed.status_code == 404
    assert _remaining(sql, ws, drafts) == 1
    assert _remaining(sql, other_ws, other_drafts) == 1
