"""Tasks over real HTTP: keys, fields, assignees, dependencies, lists, changes, deletion."""

from __future__ import annotations

from typing import Any

from tests.access import ids
from tests.concurrency import (
    assert_one_of_each_pair_refused,
    opposing_edits,
    rows_on_a_cycle,
    send_concurrently,
)
from tests.factories import Factory
from tests.projects.helpers import new_project, new_task


def _errors(body: dict[str, Any]) -> dict[str, str]:
    return {d["field"]: d["message"] for d in body["error"]["details"]}


def test_create_task_round_trips_every_field(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    project = new_project(owner, ws, code="WEB")
    blocker = new_task(owner, ws, project, title="Pick a CMS")
    resp = member.post(
        f"/api/v1/projects/{project['id']}/tasks",
        ws=ws,
        json={
            "title": "  Build the home page ",
            "description": "Hero, news, footer.",
            "status": "in_progress",
            "priority": "high",
            "assignee_user_id": str(member.id),
            "due_date": "2026-02-15",
            "estimate_hours": "12.50",
            "depends_on_task_id": blocker["id"],
        },
    )
    assert resp.status_code == 201, resp.text
    task = resp.json()
    assert (task["key"], task["number"], task["project_code"]) == ("WEB-2", 2, "WEB")
    assert task["project_id"] == project["id"]
    assert task["title"] == "Build the home page"
    assert task["description"] == "Hero, news, footer."
    assert (task["status"], task["priority"]) == ("in_progress", "high")
    assert task["assignee_user_id"] == str(member.id)
    assert task["due_date"] == "2026-02-15"
    assert task["estimate_hours"] == "12.50"
    assert task["depends_on_task_id"] == blocker["id"]
    assert owner.get(f"/api/v1/tasks/{task['id']}", ws=ws).json() == task
    assert (blocker["key"], blocker["status"], blocker["priority"]) == ("WEB-1", "todo", "medium")
    assert blocker["assignee_user_id"] is None


def test_get_task_by_key(factory: Factory) -> None:
    owner_a, owner_b = factory.user(), factory.user()
    ws_a, ws_b = factory.workspace(owner_a), factory.workspace(owner_b)
    mine = new_task(owner_a, ws_a, new_project(owner_a, ws_a, code="WEB"))
    theirs = new_task(owner_b, ws_b, new_project(owner_b, ws_b, code="WEB"))
    assert mine["key"] == theirs["key"] == "WEB-1"
    found = owner_a.get("/api/v1/tasks/by-key/web-1", ws=ws_a)
    assert found.status_code == 200
    assert found.json()["id"] == mine["id"]
    assert owner_b.get("/api/v1/tasks/by-key/WEB-1", ws=ws_b).json()["id"] == theirs["id"]
    for missing in ("WEB-2", "APP-1", "WEB-0", "WEB1", "WEB-99999999999"):
        resp = owner_a.get(f"/api/v1/tasks/by-key/{missing}", ws=ws_a)
        assert resp.status_code == 404, missing


def test_renaming_the_project_code_renames_task_keys(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws, code="OLD")
    task = new_task(owner, ws, project)
    owner.patch(f"/api/v1/projects/{project['id']}", ws=ws, json={"code": "NEW"})
    assert owner.get(f"/api/v1/tasks/{task['id']}", ws=ws).json()["key"] == "NEW-1"
    assert owner.get("/api/v1/tasks/by-key/NEW-1", ws=ws).json()["id"] == task["id"]
    assert owner.get("/api/v1/tasks/by-key/OLD-1", ws=ws).status_code == 404


def test_create_task_reports_each_invalid_field(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    resp = owner.post(
        f"/api/v1/projects/{project['id']}/tasks",
        ws=ws,
        json={
            "title": " ",
            "status": "doing",
            "priority": "asap",
            "assignee_user_id": "bob",
            "due_date": "tomorrow",
            "estimate_hours": "10000.00",
            "number": 7,
        },
    )
    assert resp.status_code == 422
    assert set(_errors(resp.json())) == {
        "body.title",
        "body.status",
        "body.priority",
        "body.assignee_user_id",
        "body.due_date",
        "body.estimate_hours",
        "body.number",
    }
    for hours in ("-1", "1.005"):
        bad = owner.post(
            f"/api/v1/projects/{project['id']}/tasks",
            ws=ws,
            json={"title": "x", "estimate_hours": hours},
        )
        assert list(_errors(bad.json())) == ["body.estimate_hours"], hours
    long_title = owner.post(
        f"/api/v1/projects/{project['id']}/tasks", ws=ws, json={"title": "x" * 501}
    )
    assert list(_errors(long_title.json())) == ["body.title"]
    most = new_task(owner, ws, project, title="y" * 500, estimate_hours="9999.99")
    assert (most["number"], most["estimate_hours"]) == (1, "9999.99")


def test_assignee_must_be_a_member_of_the_workspace(factory: Factory) -> None:
    owner_a, owner_b = factory.user(), factory.user()
    ws_a = factory.workspace(owner_a)
    factory.workspace(owner_b)  # owner_b is a member, only of another workspace
    stranger = factory.user()
    project = new_project(owner_a, ws_a)
    for user_id in (stranger.id, owner_b.id):
        resp = owner_a.post(
            f"/api/v1/projects/{project['id']}/tasks",
            ws=ws_a,
            json={"title": "x", "assignee_user_id": str(user_id)},
        )
        assert resp.status_code == 422
        assert resp.json()["error"]["code"] == "assignee_not_member"
        assert _errors(resp.json()) == {"assignee_user_id": "not a member of this workspace"}
    task = new_task(owner_a, ws_a, project)
    patch = owner_a.patch(
        f"/api/v1/tasks/{task['id']}", ws=ws_a, json={"assignee_user_id": str(owner_b.id)}
    )
    assert patch.status_code == 422
    assert _errors(patch.json()) == {"assignee_user_id": "not a member of this workspace"}
    assert owner_a.get(f"/api/v1/tasks/{task['id']}", ws=ws_a).json() == task


def test_dependency_must_be_a_task_of_the_same_project(factory: Factory) -> None:
    owner_a, owner_b = factory.user(), factory.user()
    ws_a, ws_b = factory.workspace(owner_a), factory.workspace(owner_b)
    project, sibling = new_project(owner_a, ws_a), new_project(owner_a, ws_a)
    other_project_task = new_task(owner_a, ws_a, sibling)
    other_workspace_task = new_task(owner_b, ws_b, new_project(owner_b, ws_b))
    for foreign in (other_project_task, other_workspace_task):
        resp = owner_a.post(
            f"/api/v1/projects/{project['id']}/tasks",
            ws=ws_a,
            json={"title": "x", "depends_on_task_id": foreign["id"]},
        )
        assert resp.status_code == 422
        assert resp.json()["error"]["code"] == "invalid_dependency"
        assert _errors(resp.json()) == {"depends_on_task_id": "not a task of this project"}
    task = new_task(owner_a, ws_a, project)
    moved = owner_a.patch(
        f"/api/v1/tasks/{task['id']}",
        ws=ws_a,
        json={"depends_on_task_id": other_project_task["id"]},
    )
    assert _errors(moved.json()) == {"depends_on_task_id": "not a task of this project"}
    itself = owner_a.patch(
        f"/api/v1/tasks/{task['id']}", ws=ws_a, json={"depends_on_task_id": task["id"]}
    )
    assert itself.status_code == 422
    assert _errors(itself.json()) == {"depends_on_task_id": "a task cannot depend on itself"}


def test_dependency_cycles_are_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    first = new_task(owner, ws, project)
    second = new_task(owner, ws, project, depends_on_task_id=first["id"])
    third = new_task(owner, ws, project, depends_on_task_id=second["id"])
    resp = owner.patch(
        f"/api/v1/tasks/{first['id']}", ws=ws, json={"depends_on_task_id": third["id"]}
    )
    assert resp.status_code == 422
    assert _errors(resp.json()) == {"depends_on_task_id": "would create a dependency cycle"}
    rewired = owner.patch(
        f"/api/v1/tasks/{third['id']}", ws=ws, json={"depends_on_task_id": first["id"]}
    )
    assert rewired.status_code == 200
    assert rewired.json()["depends_on_task_id"] == first["id"]


def test_patch_changes_only_the_fields_sent_and_null_clears(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    project = new_project(owner, ws)
    blocker = new_task(owner, ws, project)
    task = new_task(
        owner,
        ws,
        project,
        title="Write docs",
        description="All of them",
        assignee_user_id=str(member.id),
        due_date="2026-05-01",
        estimate_hours="3.00",
        depends_on_task_id=blocker["id"],
    )
    resp = member.patch(
        f"/api/v1/tasks/{task['id']}", ws=ws, json={"status": "done", "priority": "urgent"}
    )
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert (changed["status"], changed["priority"]) == ("done", "urgent")
    same = {k: v for k, v in task.items() if k not in ("status", "priority", "updated_at")}
    assert {k: changed[k] for k in same} == same
    cleared = member.patch(
        f"/api/v1/tasks/{task['id']}",
        ws=ws,
        json={
            "assignee_user_id": None,
            "due_date": None,
            "estimate_hours": None,
            "depends_on_task_id": None,
        },
    ).json()
    assert [cleared[k] for k in ("assignee_user_id", "due_date", "estimate_hours")] == [None] * 3
    assert cleared["depends_on_task_id"] is None
    assert (cleared["title"], cleared["description"], cleared["status"]) == (
        "Write docs",
        "All of them",
        "done",
    )
    nulls = member.patch(
        f"/api/v1/tasks/{task['id']}",
        ws=ws,
        json={"title": None, "status": None, "priority": None, "description": None},
    )
    assert nulls.status_code == 422
    assert set(_errors(nulls.json())) == {
        "body.title",
        "body.status",
        "body.priority",
        "body.description",
    }
    moved = member.patch(
        f"/api/v1/tasks/{task['id']}", ws=ws, json={"project_id": str(project["id"])}
    )
    assert list(_errors(moved.json())) == ["body.project_id"]
    assert member.patch(f"/api/v1/tasks/{task['id']}", ws=ws, json={}).json() == cleared


def test_delete_task_clears_dependencies_on_it(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    project = new_project(owner, ws)
    first = new_task(owner, ws, project)
    second = new_task(owner, ws, project, depends_on_task_id=first["id"])
    assert member.delete(f"/api/v1/tasks/{first['id']}", ws=ws).status_code == 204
    assert member.get(f"/api/v1/tasks/{first['id']}", ws=ws).status_code == 404
    assert member.delete(f"/api/v1/tasks/{first['id']}", ws=ws).status_code == 404
    assert member.get(f"/api/v1/tasks/{second['id']}", ws=ws).json()["depends_on_task_id"] is None
    third = new_task(owner, ws, project)
    assert third["number"] == 3


def test_task_lists_filter(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    web, app = new_project(owner, ws, code="WEB"), new_project(owner, ws, code="APP")
    mine = new_task(member, ws, web, title="Fix login", assignee_user_id=str(member.id))
    theirs = new_task(
        owner,
        ws,
        web,
        title="Logo",
        description="Needs a fresh LOGIN screen",
        assignee_user_id=str(owner.id),
        priority="urgent",
        status="blocked",
        due_date="2026-03-01",
    )
    nobody = new_task(owner, ws, app, title="100% coverage", priority="low", due_date="2026-04-01")
    odd = new_task(owner, ws, app, title="1000 tests", status="done")

    def listed(path: str = "/api/v1/tasks", **params: Any) -> list[str]:
        resp = member.get(path, ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return ids(resp.json())

    assert listed() == [mine["id"], theirs["id"], nobody["id"], odd["id"]]
    assert listed(project_id=app["id"]) == [nobody["id"], odd["id"]]
    assert listed(f"/api/v1/projects/{web['id']}/tasks") == [mine["id"], theirs["id"]]
    assert listed(f"/api/v1/projects/{web['id']}/tasks", status="blocked") == [theirs["id"]]
    assert listed(status="blocked,done") == [theirs["id"], odd["id"]]
    assert listed(status=["todo", "done"]) == [mine["id"], nobody["id"], odd["id"]]
    assert listed(priority="urgent,low") == [theirs["id"], nobody["id"]]
    assert listed(assignee="me") == [mine["id"]]
    assert listed(assignee=str(owner.id)) == [theirs["id"]]
    assert listed(assignee="none") == [nobody["id"], odd["id"]]
    assert listed(q="login") == [mine["id"], theirs["id"]]
    assert listed(q="0%") == [nobody["id"]]
    assert listed(due_before="2026-04-01") == [theirs["id"]]
    assert listed(due_before="2026-04-02") == [theirs["id"], nobody["id"]]
    bad_priority = member.get("/api/v1/tasks", ws=ws, params={"priority": "low,asap"})
    assert bad_priority.status_code == 422
    assert _errors(bad_priority.json()) == {"priority": "unknown value 'asap'"}
    bad_assignee = member.get("/api/v1/tasks", ws=ws, params={"assignee": "someone"})
    assert bad_assignee.status_code == 422
    assert _errors(bad_assignee.json()) == {"assignee": "not a user id, 'me' or 'none'"}


def test_task_lists_sort_and_page(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    low = new_task(owner, ws, project, title="beta", priority="low", due_date="2026-01-03")
    urgent = new_task(owner, ws, project, title="Alpha", priority="urgent", due_date="2026-01-01")
    medium = new_task(owner, ws, project, title="gamma", priority="medium", status="done")
    path = f"/api/v1/projects/{project['id']}/tasks"

    def listed(**params: Any) -> dict[str, Any]:
        resp = owner.get(path, ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        page: dict[str, Any] = resp.json()
        return page

    assert ids(listed()) == [low["id"], urgent["id"], medium["id"]]
    assert ids(listed(sort="-number")) == [medium["id"], urgent["id"], low["id"]]
    assert ids(listed(sort="title")) == [urgent["id"], low["id"], medium["id"]]
    assert ids(listed(sort="-priority")) == [urgent["id"], medium["id"], low["id"]]
    assert ids(listed(sort="priority")) == [low["id"], medium["id"], urgent["id"]]
    assert ids(listed(sort="-status,number")) == [medium["id"], low["id"], urgent["id"]]
    assert ids(listed(sort="due_date")) == [urgent["id"], low["id"], medium["id"]]
    page = listed(limit=1, offset=2)
    assert (ids(page), page["total"], page["limit"], page["offset"]) == ([medium["id"]], 3, 1, 2)
    past = listed(offset=3)
    assert (past["items"], past["total"]) == ([], 3)
    bad = owner.get(path, ws=ws, params={"sort": "assignee"})
    assert bad.status_code == 422
    assert list(_errors(bad.json())) == ["sort"]


def test_task_lists_show_only_the_callers_workspace(factory: Factory) -> None:
    owner_a, owner_b = factory.user(), factory.user()
    ws_a, ws_b = factory.workspace(owner_a), factory.workspace(owner_b)
    mine = new_task(owner_a, ws_a, new_project(owner_a, ws_a))
    project_b = new_project(owner_b, ws_b)
    new_task(owner_b, ws_b, project_b, title="secret")
    page = owner_a.get("/api/v1/tasks", ws=ws_a).json()
    assert (ids(page), page["total"]) == ([mine["id"]], 1)
    filtered = owner_a.get("/api/v1/tasks", ws=ws_a, params={"project_id": project_b["id"]})
    assert filtered.json()["total"] == 0
    assert owner_a.get("/api/v1/tasks", ws=ws_a, params={"q": "secret"}).json()["total"] == 0


def test_unknown_project_for_a_new_task_is_not_found(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/projects/01900000-0000-7000-8000-000000000000/tasks", ws=ws, json={"title": "x"}
    )
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "Project not found."


def test_concurrent_opposing_dependencies_leave_no_cycle(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    pairs = [
        (new_task(owner, ws, project)["id"], new_task(owner, ws, project)["id"]) for _ in range(10)
    ]
    calls = opposing_edits("/api/v1/tasks", "depends_on_task_id", pairs)
    responses = send_concurrently(factory.base_url, owner, ws, calls)
    assert rows_on_a_cycle(factory.sql, ws, "tasks", "depends_on_task_id") == []
    assert_one_of_each_pair_refused(responses, "invalid_dependency")
