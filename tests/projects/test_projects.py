"""Projects over real HTTP: fields, money, validation, uniqueness, lists, changes, deletion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.access import ids
from tests.factories import Factory
from tests.projects.helpers import new_project, new_task


def _errors(body: dict[str, Any]) -> dict[str, str]:
    return {d["field"]: d["message"] for d in body["error"]["details"]}


def test_create_project_round_trips_every_field(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/projects",
        ws=ws,
        json={
            "code": " web2 ",
            "name": "  Website relaunch ",
            "description": "New site, new CMS.",
            "status": "active",
            "start_date": "2026-01-05",
            "end_date": "2026-06-30",
            "budget": "1234.50",
            "currency": "chf",
        },
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["code"] == "WEB2"
    assert created["name"] == "Website relaunch"
    assert created["description"] == "New site, new CMS."
    assert created["status"] == "active"
    assert (created["start_date"], created["end_date"]) == ("2026-01-05", "2026-06-30")
    assert created["budget"] == "1234.50"
    assert created["currency"] == "CHF"
    assert created["task_counts"] == {
        "todo": 0,
        "in_progress": 0,
        "blocked": 0,
        "done": 0,
        "cancelled": 0,
    }
    fetched = owner.get(f"/api/v1/projects/{created['id']}", ws=ws)
    assert fetched.json() == created
    row = factory.sql.owner(
        "SELECT budget, workspace_id FROM projects WHERE id = %s", created["id"], workspace=ws["id"]
    )[0]
    assert row["budget"] == Decimal("1234.50")
    assert row["workspace_id"] == ws["id"]


def test_money_is_exact_and_defaults_follow_the_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner(
        "UPDATE workspaces SET base_currency = 'EUR' WHERE id = %s", ws["id"], workspace=ws["id"]
    )
    big = new_project(owner, ws, budget="999999999999.99")
    number = new_project(owner, ws, budget=0.1)
    plain = new_project(owner, ws)
    assert big["budget"] == "999999999999.99"
    assert number["budget"] == "0.10"
    assert (plain["budget"], plain["currency"], plain["status"]) == (None, "EUR", "planned")
    assert plain["description"] == ""
    assert (plain["start_date"], plain["end_date"]) == (None, None)


def test_create_project_reports_each_invalid_field(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/projects",
        ws=ws,
        json={
            "code": "1AB",
            "name": "",
            "status": "dreaming",
            "budget": "12.345",
            "currency": "EURO",
            "colour": "red",
        },
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_error"
    assert set(_errors(resp.json())) == {
        "body.code",
        "body.name",
        "body.status",
        "body.budget",
        "body.currency",
        "body.colour",
    }
    for budget in ("-0.01", "1000000000000.00", "NaN"):
        bad = owner.post(
            "/api/v1/projects", ws=ws, json={"code": "OK1", "name": "x", "budget": budget}
        )
        assert bad.status_code == 422, budget
        assert list(_errors(bad.json())) == ["body.budget"]
    assert owner.get("/api/v1/projects", ws=ws).json()["total"] == 0


def test_end_date_before_start_date_is_refused(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(
        "/api/v1/projects",
        ws=ws,
        json={"code": "DATES", "name": "x", "start_date": "2026-03-02", "end_date": "2026-03-01"},
    )
    assert resp.status_code == 422
    assert _errors(resp.json()) == {"end_date": "must be on or after start_date"}
    same_day = new_project(owner, ws, start_date="2026-03-02", end_date="2026-03-02")
    change = owner.patch(
        f"/api/v1/projects/{same_day['id']}", ws=ws, json={"start_date": "2026-04-01"}
    )
    assert change.status_code == 422
    assert _errors(change.json()) == {"end_date": "must be on or after start_date"}
    assert owner.get(f"/api/v1/projects/{same_day['id']}", ws=ws).json() == same_day


def test_codes_are_unique_per_workspace_only(factory: Factory) -> None:
    owner = factory.user()
    ws, other_ws = factory.workspace(owner), factory.workspace(owner)
    first = new_project(owner, ws, code="WEB")
    dup = owner.post("/api/v1/projects", ws=ws, json={"code": "web", "name": "Again"})
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "project_code_taken"
    assert _errors(dup.json()) == {"code": "already taken in this workspace"}
    elsewhere = new_project(owner, other_ws, code="WEB")
    assert elsewhere["id"] != first["id"]
    second = new_project(owner, ws, code="APP")
    rename = owner.patch(f"/api/v1/projects/{second['id']}", ws=ws, json={"code": "web"})
    assert rename.status_code == 409
    assert rename.json()["error"]["code"] == "project_code_taken"
    renamed = owner.patch(f"/api/v1/projects/{second['id']}", ws=ws, json={"code": "mobile"})
    assert renamed.status_code == 200
    assert renamed.json()["code"] == "MOBILE"


def test_list_filters_by_status_and_text(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    web = new_project(owner, ws, code="WEB", name="Website", status="active")
    app = new_project(owner, ws, code="APP", name="Mobile app", status="on_hold")
    ops = new_project(owner, ws, code="OPS", name="Operations", description="Keep the WEBsite up")
    pct = new_project(owner, ws, code="PCT", name="100% done", status="completed")
    zero = new_project(owner, ws, code="ZERO", name="1000 done", status="completed")
    under = new_project(owner, ws, code="UND", name="a_b")
    near = new_project(owner, ws, code="NEAR", name="axb")

    def listed(**params: Any) -> list[str]:
        resp = owner.get("/api/v1/projects", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return ids(resp.json())

    assert listed(status="active") == [web["id"]]
    assert listed(status="active,on_hold") == [app["id"], web["id"]]
    assert listed(status=["on_hold", "active"]) == [app["id"], web["id"]]
    assert listed(q="web") == [ops["id"], web["id"]]
    assert listed(q="0%") == [pct["id"]]
    assert listed(q="a_b") == [under["id"]]
    assert listed(q="done", status="completed") == [pct["id"], zero["id"]]
    assert near["id"] in listed()
    assert len(listed(q="  ")) == 7
    assert listed(q=" websit ") == [ops["id"], web["id"]]
    bad = owner.get("/api/v1/projects", ws=ws, params={"status": "active,sleeping"})
    assert bad.status_code == 422
    assert _errors(bad.json()) == {"status": "unknown value 'sleeping'"}


def test_list_sorts_and_pages(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    c = new_project(
        owner, ws, code="CCC", name="alpha", status="completed", start_date="2026-01-03"
    )
    a = new_project(
        owner, ws, code="AAA", name="Charlie", status="planned", start_date="2026-01-01"
    )
    b = new_project(owner, ws, code="BBB", name="bravo", status="active", start_date="2026-01-02")

    def listed(**params: Any) -> dict[str, Any]:
        resp = owner.get("/api/v1/projects", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        page: dict[str, Any] = resp.json()
        return page

    assert ids(listed()) == [a["id"], b["id"], c["id"]]
    assert ids(listed(sort="-code")) == [c["id"], b["id"], a["id"]]
    assert ids(listed(sort="name")) == [c["id"], b["id"], a["id"]]
    assert ids(listed(sort="status")) == [a["id"], b["id"], c["id"]]
    assert ids(listed(sort="-start_date")) == [c["id"], b["id"], a["id"]]
    assert ids(listed(sort="created_at")) == [c["id"], a["id"], b["id"]]
    page = listed(limit=2, offset=1)
    assert (ids(page), page["total"], page["limit"], page["offset"]) == (
        [b["id"], c["id"]],
        3,
        2,
        1,
    )
    past = listed(limit=2, offset=10)
    assert (past["items"], past["total"]) == ([], 3)
    bad = owner.get("/api/v1/projects", ws=ws, params={"sort": "budget"})
    assert bad.status_code == 422
    assert list(_errors(bad.json())) == ["sort"]
    too_many = owner.get("/api/v1/projects", ws=ws, params={"limit": 201})
    assert too_many.status_code == 422


def test_lists_show_only_the_callers_workspace(factory: Factory) -> None:
    owner_a, owner_b = factory.user(), factory.user()
    ws_a, ws_b = factory.workspace(owner_a), factory.workspace(owner_b)
    mine = new_project(owner_a, ws_a, code="SAME")
    new_project(owner_b, ws_b, code="SAME")
    new_project(owner_b, ws_b, code="OTHER")
    page = owner_a.get("/api/v1/projects", ws=ws_a).json()
    assert (ids(page), page["total"]) == ([mine["id"]], 1)
    searched = owner_a.get("/api/v1/projects", ws=ws_a, params={"q": "OTHER"}).json()
    assert searched["total"] == 0


def test_patch_changes_only_the_fields_sent(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    project = new_project(
        owner, ws, code="KEEP", description="Stays", budget="10.00", start_date="2026-01-01"
    )
    resp = admin.patch(
        f"/api/v1/projects/{project['id']}",
        ws=ws,
        json={"name": "New name", "status": "on_hold", "budget": None},
    )
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert (changed["name"], changed["status"], changed["budget"]) == ("New name", "on_hold", None)
    unchanged = {"id", "code", "description", "start_date", "end_date", "currency", "created_at"}
    assert {k: changed[k] for k in unchanged} == {k: project[k] for k in unchanged}
    assert changed["updated_at"] >= project["updated_at"]
    nothing = admin.patch(f"/api/v1/projects/{project['id']}", ws=ws, json={})
    assert nothing.json() == changed
    nulls = admin.patch(
        f"/api/v1/projects/{project['id']}",
        ws=ws,
        json={"name": None, "code": None, "status": None, "currency": None, "description": None},
    )
    assert nulls.status_code == 422
    assert set(_errors(nulls.json())) == {
        "body.name",
        "body.code",
        "body.status",
        "body.currency",
        "body.description",
    }
    money = admin.patch(f"/api/v1/projects/{project['id']}", ws=ws, json={"budget": "0.05"})
    assert money.json()["budget"] == "0.05"
    assert owner.get(f"/api/v1/projects/{project['id']}", ws=ws).json() == money.json()


def test_task_counts_by_status(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    for status in ("todo", "todo", "done", "blocked"):
        new_task(owner, ws, project, status=status)
    counts = owner.get(f"/api/v1/projects/{project['id']}", ws=ws).json()["task_counts"]
    assert counts == {"todo": 2, "in_progress": 0, "blocked": 1, "done": 1, "cancelled": 0}
    listed = owner.get("/api/v1/projects", ws=ws).json()["items"][0]["task_counts"]
    assert listed == counts


def test_delete_project_removes_its_tasks(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project, kept = new_project(owner, ws), new_project(owner, ws)
    first = new_task(owner, ws, project)
    new_task(owner, ws, project, depends_on_task_id=first["id"])
    survivor = new_task(owner, ws, kept)
    assert owner.delete(f"/api/v1/projects/{project['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/projects/{project['id']}", ws=ws).status_code == 404
    assert owner.get(f"/api/v1/tasks/{first['id']}", ws=ws).status_code == 404
    assert owner.delete(f"/api/v1/projects/{project['id']}", ws=ws).status_code == 404
    rows = factory.sql.owner(
        "SELECT id FROM tasks WHERE workspace_id = %s", ws["id"], workspace=ws["id"]
    )
    assert [str(r["id"]) for r in rows] == [survivor["id"]]


def test_malformed_ids_are_validation_errors(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.get("/api/v1/projects/not-a-uuid", ws=ws)
    assert resp.status_code == 422
    assert list(_errors(resp.json())) == ["path.project_id"]
