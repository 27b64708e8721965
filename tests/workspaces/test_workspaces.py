"""Workspaces: create, list mine, read, update, delete, and the active workspace."""

from __future__ import annotations

import httpx
import pytest

from atlas.db.ids import uuid7
from tests.access import table_snapshot
from tests.factories import Factory
from tests.hr.helpers import new_department, new_employee
from tests.projects.helpers import new_project, new_task
from tests.roles.helpers import new_role
from tests.timesheets.helpers import new_time_entry
from tests.web.helpers import Browser
from tests.workspaces.helpers import (
    bearer,
    error_code,
    invite,
    member_id,
    tag,
    workspace_token,
)

# --- create -------------------------------------------------------------------------------


def test_create_workspace_makes_the_creator_owner(factory: Factory) -> None:
    user = factory.user()
    name = f"Acme Trading {tag()}"
    resp = user.post(
        "/api/v1/workspaces",
        json={
            "name": name,
            "base_currency": "EUR",
            "timezone": "Europe/Paris",
            "fiscal_year_start_month": 4,
        },
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["name"] == name
    assert body["slug"] == name.lower().replace(" ", "-")
    assert body["base_currency"] == "EUR"
    assert body["timezone"] == "Europe/Paris"
    assert body["fiscal_year_start_month"] == 4
    assert body["role"] == "owner"
    members = user.get("/api/v1/members", ws=body["id"]).json()
    assert [(m["user_id"], m["role"]) for m in members["items"]] == [(str(user.id), "owner")]


def test_creating_a_workspace_makes_it_the_sessions_active_workspace(factory: Factory) -> None:
    user = factory.user()
    before = factory.workspace(user)
    user.post("/api/v1/workspaces/active", json={"workspace": before["slug"]})
    created = user.post("/api/v1/workspaces", json={"name": f"Fresh {tag()}"}).json()
    session = user.get("/api/v1/auth/session").json()
    assert session["active_workspace"]["id"] == created["id"]
    # No header, no token: tenant routes now run in the new workspace.
    members = user.get("/api/v1/members")
    assert members.status_code == 200, members.text
    assert [(m["user_id"], m["role"]) for m in members.json()["items"]] == [(str(user.id), "owner")]
    assert user.get("/api/v1/roles").status_code == 200
    invited = user.post("/api/v1/invitations", json={"email": f"first-{tag()}@example.com"})
    assert invited.json()["workspace_id"] == created["id"]


def test_a_workspace_token_does_not_move_the_sessions_active_workspace(
    factory: Factory,
) -> None:
    user = factory.user()
    home = factory.workspace(user)
    user.post("/api/v1/workspaces/active", json={"workspace": home["slug"]})
    token = workspace_token(user, home)
    factory.http.post(
        "/api/v1/workspaces", headers=bearer(token), json={"name": f"By token {tag()}"}
    )
    session = user.get("/api/v1/auth/session").json()
    assert session["active_workspace"]["id"] == str(home["id"])


def test_create_workspace_defaults(factory: Factory) -> None:
    user = factory.user()
    body = user.post("/api/v1/workspaces", json={"name": f"Plain {tag()}"}).json()
    assert (body["base_currency"], body["timezone"], body["fiscal_year_start_month"]) == (
        "USD",
        "UTC",
        1,
    )


def test_create_workspace_needs_sign_in(client: httpx.Client) -> None:
    resp = client.post("/api/v1/workspaces", json={"name": "Nobody's"})
    assert resp.status_code == 401


def test_slug_from_name_is_ascii_lowercase_and_deduplicated(factory: Factory) -> None:
    user = factory.user()
    t = tag()
    name = f"  Café Ünïcode & Co. {t}!! "
    slugs = [user.post("/api/v1/workspaces", json={"name": name}).json()["slug"] for _ in range(3)]
    assert slugs == [f"cafe-unicode-co-{t}", f"cafe-unicode-co-{t}-2", f"cafe-unicode-co-{t}-3"]


def test_slug_from_long_name_is_cut_to_48_characters(factory: Factory) -> None:
    user = factory.user()
    name = f"{tag()} " + "very long name " * 10
    first = user.post("/api/v1/workspaces", json={"name": name}).json()["slug"]
    second = user.post("/api/v1/workspaces", json={"name": name}).json()["slug"]
    assert len(first) == 48
    assert not first.endswith("-")
    assert len(second) <= 48
    assert second.endswith("-2")
    assert second[:-2] == first[: len(second) - 2]


def test_slug_from_name_without_letters_falls_back(factory: Factory) -> None:
    user = factory.user()
    resp = user.post("/api/v1/workspaces", json={"name": "!!! ???"})
    assert resp.status_code == 201
    assert resp.json()["slug"].startswith("workspace")


def test_given_slug_that_is_taken_is_409(factory: Factory) -> None:
    user, other = factory.user(), factory.user()
    slug = f"taken-{tag()}"
    assert user.post("/api/v1/workspaces", json={"name": "A", "slug": slug}).status_code == 201
    resp = other.post("/api/v1/workspaces", json={"name": "B", "slug": slug})
    assert resp.status_code == 409
    assert error_code(resp) == "slug_taken"
    assert resp.json()["error"]["details"][0]["field"] == "slug"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "slug": "Bad Slug"}, "body.slug"),
        ({"name": "X", "slug": "-edge-"}, "body.slug"),
        ({"name": "X", "slug": "a" * 49}, "body.slug"),
        ({"name": "X", "slug": "0190a6f2-58b4-7c3d-8e1f-2a3b4c5d6e7f"}, "body.slug"),
        ({"name": "X", "base_currency": "US"}, "body.base_currency"),
        ({"name": "X", "base_currency": "U$D"}, "body.base_currency"),
        ({"name": "X", "timezone": "Mars/Olympus_Mons"}, "body.timezone"),
        ({"name": "X", "fiscal_year_start_month": 13}, "body.fiscal_year_start_month"),
        ({"name": "   "}, "body.name"),
        ({"name": "X", "colour": "red"}, "body.colour"),
    ],
)
def test_create_workspace_validation_names_the_field(
    factory: Factory, body: dict[str, object], field: str
) -> None:
    user = factory.user()
    resp = user.post("/api/v1/workspaces", json=body)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_error"
    assert [d["field"] for d in resp.json()["error"]["details"]] == [field]


def test_the_base_currency_is_read_as_every_currency_code_is(factory: Factory) -> None:
    # The one Currency type: upper-cased like a project's or an invoice's currency.
    user = factory.user()
    resp = user.post("/api/v1/workspaces", json={"name": "Lower", "base_currency": " eur"})
    assert resp.status_code == 201
    assert resp.json()["base_currency"] == "EUR"
    refused = user.post("/api/v1/workspaces", json={"name": "X", "base_currency": "EURO"})
    assert refused.json()["error"]["details"][0]["message"].endswith(
        "use a three-letter ISO 4217 code (e.g. EUR)"
    )
    # Three letters are not enough: the code must be one of ISO 4217's.
    unknown = user.post("/api/v1/workspaces", json={"name": "X", "base_currency": "xyz"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == [
        {
            "field": "body.base_currency",
            "message": "XYZ is not an ISO 4217 currency (e.g. EUR, USD, JPY)",
            "type": "value_error",
        }
    ]
    for code in ("JPY", "CHF"):
        made = user.post("/api/v1/workspaces", json={"name": f"In {code}", "base_currency": code})
        assert made.status_code == 201, made.text
    # Amounts are stored to the cent: a currency of three decimals is refused.
    fils = user.post("/api/v1/workspaces", json={"name": "In BHD", "base_currency": "BHD"})
    assert fils.status_code == 422
    assert fils.json()["error"]["details"][0]["message"] == (
        "BHD amounts have 3 decimals; amounts are kept to 2, so BHD is not supported"
    )


def test_currency_and_time_zone_fields_offer_the_iso_and_iana_lists(
    factory: Factory, server: str
) -> None:
    user = factory.user()
    browser = Browser(server, user)
    try:
        form = browser.get("/workspaces/new")
    finally:
        browser.close()
    assert 'list="f-base_currency-options"' in form.text
    assert '<option value="JPY">Japanese Yen</option>' in form.text
    assert '<option value="XYZ">' not in form.text
    assert 'list="f-timezone-options"' in form.text
    assert '<option value="Europe/Paris">Europe/Paris</option>' in form.text


# --- list mine ----------------------------------------------------------------------------


def test_list_my_workspaces_with_roles_search_and_sort(factory: Factory) -> None:
    user = factory.user()
    t = tag()
    mine = factory.workspace(user, name=f"Bravo {t}")
    theirs = factory.workspace(factory.user(), name=f"Alpha {t}")
    factory.add_member(theirs, user, "viewer")
    factory.workspace(factory.user(), name=f"Charlie {t}")  # not a member

    resp = user.get("/api/v1/workspaces", params={"sort": "name"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 2
    assert [(w["name"], w["role"]) for w in body["items"]] == [
        (f"Alpha {t}", "viewer"),
        (f"Bravo {t}", "owner"),
    ]
    desc = user.get("/api/v1/workspaces", params={"sort": "-name"}).json()
    assert [w["id"] for w in desc["items"]] == [str(mine["id"]), str(theirs["id"])]
    found = user.get("/api/v1/workspaces", params={"q": "brav"}).json()
    assert [w["id"] for w in found["items"]] == [str(mine["id"])]
    paged = user.get("/api/v1/workspaces", params={"limit": 1, "offset": 1, "sort": "name"})
    assert paged.json()["total"] == 2
    assert [w["name"] for w in paged.json()["items"]] == [f"Bravo {t}"]
    beyond = user.get("/api/v1/workspaces", params={"offset": 5}).json()
    assert (beyond["items"], beyond["total"]) == ([], 2)


def test_list_my_workspaces_rejects_unknown_sort(factory: Factory) -> None:
    resp = factory.user().get("/api/v1/workspaces", params={"sort": "password"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "sort"


def test_list_my_workspaces_needs_sign_in(client: httpx.Client) -> None:
    assert client.get("/api/v1/workspaces").status_code == 401


# --- read ---------------------------------------------------------------------------------


def test_get_workspace_by_id_and_slug(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    viewer = factory.member(ws, "viewer")
    by_id = viewer.get(f"/api/v1/workspaces/{ws['id']}")
    by_slug = viewer.get(f"/api/v1/workspaces/{ws['slug']}")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    assert by_id.json()["role"] == "viewer"
    assert by_id.json()["slug"] == ws["slug"]


def test_get_workspace_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(factory.user())
    assert client.get(f"/api/v1/workspaces/{ws['id']}").status_code == 401
    stranger = factory.user()
    assert stranger.get(f"/api/v1/workspaces/{ws['id']}").status_code == 404
    assert stranger.get(f"/api/v1/workspaces/{ws['slug']}").status_code == 404
    # The path wins over a header naming the caller's own workspace.
    resp = owner.get(f"/api/v1/workspaces/{other['slug']}", ws=ws)
    assert resp.status_code == 404
    assert error_code(resp) == "workspace_not_found"
    assert owner.get(f"/api/v1/workspaces/{uuid7()}").status_code == 404


# --- update -------------------------------------------------------------------------------


def test_update_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    new_slug = f"renamed-{tag()}"
    resp = admin.patch(
        f"/api/v1/workspaces/{ws['slug']}",
        json={
            "name": "Renamed",
            "slug": new_slug,
            "base_currency": "GBP",
            "timezone": "America/New_York",
            "fiscal_year_start_month": 7,
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["name"], body["slug"], body["base_currency"]) == ("Renamed", new_slug, "GBP")
    assert (body["timezone"], body["fiscal_year_start_month"], body["role"]) == (
        "America/New_York",
        7,
        "admin",
    )
    assert owner.get(f"/api/v1/workspaces/{new_slug}").json()["name"] == "Renamed"
    partial = owner.patch(f"/api/v1/workspaces/{ws['id']}", json={"name": "Only name"})
    assert partial.json()["slug"] == new_slug
    assert partial.json()["base_currency"] == "GBP"


def test_update_workspace_slug_taken_and_invalid_values(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(factory.user())
    taken = owner.patch(f"/api/v1/workspaces/{ws['id']}", json={"slug": other["slug"]})
    assert taken.status_code == 409
    assert error_code(taken) == "slug_taken"
    invalid = owner.patch(
        f"/api/v1/workspaces/{ws['id']}", json={"timezone": "Nowhere/Land", "name": None}
    )
    assert invalid.status_code == 422
    fields = sorted(d["field"] for d in invalid.json()["error"]["details"])
    assert fields == ["body.name", "body.timezone"]
    assert owner.get(f"/api/v1/workspaces/{ws['id']}").json()["slug"] == ws["slug"]


def test_update_workspace_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    path = f"/api/v1/workspaces/{ws['id']}"
    assert client.patch(path, json={"name": "X"}).status_code == 401
    assert factory.user().patch(path, json={"name": "X"}).status_code == 404
    foreign = owner.patch(f"/api/v1/workspaces/{other['id']}", ws=ws, json={"name": "Mine now"})
    assert foreign.status_code == 404
    assert other_owner.get(f"/api/v1/workspaces/{other['id']}").json()["name"] == other["name"]
    member = factory.member(ws, "member")
    denied = member.patch(path, json={"name": "X"})
    assert denied.status_code == 403
    assert error_code(denied) == "permission_denied"
    assert owner.get(path).json()["name"] == ws["name"]


# --- delete -------------------------------------------------------------------------------


def test_delete_workspace_requires_confirmation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    path = f"/api/v1/workspaces/{ws['id']}"
    missing = owner.delete(path)
    assert missing.status_code == 422
    assert error_code(missing) == "confirmation_required"
    wrong = owner.request("DELETE", path, json={"confirm": "something-else"})
    assert wrong.status_code == 422
    assert error_code(wrong) == "confirmation_required"
    assert owner.get(path).status_code == 200
    assert owner.delete(path, params={"confirm": ws["slug"]}).status_code == 204
    assert owner.get(path).status_code == 404


def test_delete_workspace_cascades_to_every_tenant_row(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.member(ws, "member")
    invite(owner, ws, f"invitee-{tag()}@example.com")
    factory.sql.owner(
        "INSERT INTO projects (workspace_id, id, code, name, currency) VALUES (%s, %s, %s, %s, %s)",
        ws["id"],
        uuid7(),
        "GONE",
        "Doomed project",
        "USD",
        workspace=ws["id"],
    )
    counts = (
        "SELECT (SELECT count(*) FROM projects WHERE workspace_id = %s) AS projects,"
        " (SELECT count(*) FROM workspace_members WHERE workspace_id = %s) AS members,"
        " (SELECT count(*) FROM invitations WHERE workspace_id = %s) AS invitations,"
        " (SELECT count(*) FROM outbox_messages WHERE workspace_id = %s) AS outbox,"
        " (SELECT count(*) FROM workspaces WHERE id = %s) AS workspaces"
    )
    ids = [ws["id"]] * 5
    # As the owner role, inside the workspace's context: RLS would hide nothing that exists.
    before = factory.sql.owner(counts, *ids, workspace=ws["id"])
    assert before == [{"projects": 1, "members": 2, "invitations": 1, "outbox": 1, "workspaces": 1}]

    resp = owner.request("DELETE", f"/api/v1/workspaces/{ws['slug']}", json={"confirm": ws["slug"]})
    assert resp.status_code == 204

    after = factory.sql.owner(counts, *ids, workspace=ws["id"])
    assert after == [{"projects": 0, "members": 0, "invitations": 0, "outbox": 0, "workspaces": 0}]


def test_delete_workspace_takes_rows_that_refer_to_each_other(factory: Factory) -> None:
    """Without ON DELETE SET NULL, the cascade still takes every row at once: managers and
    reports, departments and their staff, tasks and their dependents and logged time, a
    custom role and its holders."""
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "viewer")
    role = new_role(owner, ws, "auditor")
    patched = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, member)}", ws=ws, json={"role": role["name"]}
    )
    assert patched.status_code == 200, patched.text
    invite(owner, ws, f"invitee-{tag()}@example.com", role["name"])
    boss = new_employee(owner, ws, user_id=str(owner.id))
    department = new_department(owner, ws, manager_employee_id=boss["id"])
    new_employee(owner, ws, manager_id=boss["id"], department_id=department["id"])
    project = new_project(owner, ws)
    task = new_task(owner, ws, project, assignee_user_id=str(member.id))
    new_task(owner, ws, project, depends_on_task_id=task["id"])
    new_time_entry(owner, ws, project, task_id=task["id"])
    tables = ("workspace_roles", "workspace_members", "invitations", "departments")
    tables += ("employees", "tasks", "time_entries")
    assert all(table_snapshot(factory.sql, ws, tables).values())

    resp = owner.request("DELETE", f"/api/v1/workspaces/{ws['slug']}", json={"confirm": ws["slug"]})
    assert resp.status_code == 204, resp.text
    assert not any(table_snapshot(factory.sql, ws, tables).values())


def test_delete_workspace_guards(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    path = f"/api/v1/workspaces/{ws['id']}"
    confirm = {"confirm": ws["slug"]}
    assert client.delete(path, params=confirm).status_code == 401
    assert factory.user().delete(path, params=confirm).status_code == 404
    foreign = owner.delete(f"/api/v1/workspaces/{other['id']}", ws=ws, params=confirm)
    assert foreign.status_code == 404
    assert other_owner.get(f"/api/v1/workspaces/{other['id']}").status_code == 200
    admin = factory.member(ws, "admin")
    denied = admin.delete(path, params=confirm)
    assert denied.status_code == 403
    assert owner.get(path).status_code == 200


# --- active workspace ---------------------------------------------------------------------


def test_set_active_workspace_by_slug_then_id_then_clear(factory: Factory) -> None:
    user = factory.user()
    first = factory.workspace(user)
    second = factory.workspace(factory.user())
    factory.add_member(second, user, "member")

    resp = user.post("/api/v1/workspaces/active", json={"workspace": first["slug"]})
    assert resp.status_code == 200
    assert resp.json()["id"] == str(first["id"])
    session = user.get("/api/v1/auth/session").json()
    assert session["active_workspace"]["id"] == str(first["id"])
    assert session["active_workspace"]["role"] == "owner"
    # Tenant routes now run in the active workspace without a header.
    assert user.get("/api/v1/members").json()["items"][0]["user_id"] == str(user.id)

    resp = user.post("/api/v1/workspaces/active", json={"workspace": str(second["id"])})
    assert resp.json()["role"] == "member"
    assert user.get("/api/v1/auth/session").json()["active_workspace"]["id"] == str(second["id"])

    cleared = user.post("/api/v1/workspaces/active", json={"workspace": None})
    assert cleared.status_code == 200
    assert cleared.json() is None
    assert user.get("/api/v1/auth/session").json()["active_workspace"] is None
    none_selected = user.get("/api/v1/members")
    assert none_selected.status_code == 403
    assert error_code(none_selected) == "no_workspace_selected"


def test_active_workspace_is_per_session(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    other_session = factory.http.post(
        "/api/v1/auth/sign-in",
        json={"email": user.email, "password": "correct horse battery staple"},
    ).json()["token"]
    user.post("/api/v1/workspaces/active", json={"workspace": ws["slug"]})
    other = factory.http.get(
        "/api/v1/auth/session", headers={"Authorization": f"Bearer {other_session}"}
    )
    assert other.json()["active_workspace"] is None


def test_set_active_workspace_refuses_strangers(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(factory.user())
    assert (
        client.post("/api/v1/workspaces/active", json={"workspace": ws["slug"]}).status_code == 401
    )
    for ref in (ws["slug"], str(ws["id"]), "no-such-workspace", str(uuid7())):
        resp = user.post("/api/v1/workspaces/active", json={"workspace": ref})
        assert resp.status_code == 404
        assert error_code(resp) == "workspace_not_found"
    assert user.get("/api/v1/auth/session").json()["active_workspace"] is None


def test_leaving_clears_the_active_workspace(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(factory.user())
    factory.add_member(ws, user, "member")
    user.post("/api/v1/workspaces/active", json={"workspace": ws["slug"]})
    assert user.post("/api/v1/members/leave").status_code == 204
    assert user.get("/api/v1/auth/session").json()["active_workspace"] is None
