"""The settings pages: workspace, members, invitations, custom roles and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.access import table_snapshot
from tests.factories import Actor, Factory
from tests.hr.helpers import new_employee
from tests.roles.helpers import new_role, role_name
from tests.web.conftest import BrowserFor
from tests.web.helpers import redirected_to, text
from tests.workspaces.helpers import invite, member_id, role_of, tag

TABLES = ("workspace_members", "invitations", "workspace_roles")
STAFF_ONLY = ("viewer", "member")


@dataclass
class Tenant:
    """A workspace with its owner, a member, a pending invitation and a custom role."""

    ws: dict[str, Any]
    owner: Actor
    member: Actor
    member_id: str
    invitation: dict[str, Any]
    role: dict[str, Any]


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    role = new_role(owner, ws, permissions=["workspace:read", "customers:read"])
    invitation = invite(owner, ws, f"invitee-{tag()}@example.com")
    return Tenant(ws, owner, member, member_id(factory, ws, member), invitation, role)


def snapshot(factory: Factory, ws: dict[str, Any]) -> dict[str, Any]:
    rows = factory.sql.owner("SELECT * FROM workspaces WHERE id = %s", ws["id"], workspace=ws["id"])
    return {"workspace": rows, **table_snapshot(factory.sql, ws, TABLES)}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    form: dict[str, Any] | None = None
    denied: tuple[str, ...] = ()

    def url(self, slug: str, ids: Tenant) -> str:
        return self.path.format(
            slug=slug, member=ids.member_id, invitation=ids.invitation["id"], role=ids.role["id"]
        )

    @property
    def lowest_allowed(self) -> str:
        return next(r for r in ("viewer", "member", "admin", "owner") if r not in self.denied)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/w/{slug}/settings"),
    Route("POST", "/w/{slug}/settings", {"name": "Renamed"}, STAFF_ONLY),
    Route("GET", "/w/{slug}/settings/members"),
    Route("POST", "/w/{slug}/settings/members/{member}/role", {"role": "viewer"}, STAFF_ONLY),
    Route("POST", "/w/{slug}/settings/members/{member}/remove", {}, STAFF_ONLY),
    Route("GET", "/w/{slug}/settings/invitations"),
    Route(
        "POST",
        "/w/{slug}/settings/invitations",
        {"email": "new-one@example.com", "role": "viewer"},
        STAFF_ONLY,
    ),
    Route("POST", "/w/{slug}/settings/invitations/{invitation}/resend", {}, STAFF_ONLY),
    Route("POST", "/w/{slug}/settings/invitations/{invitation}/cancel", {}, STAFF_ONLY),
    Route("GET", "/w/{slug}/settings/roles"),
    Route("GET", "/w/{slug}/settings/roles/new", None, STAFF_ONLY),
    Route(
        "POST",
        "/w/{slug}/settings/roles/new",
        {"name": "made-here", "permissions": ["workspace:read"]},
        STAFF_ONLY,
    ),
    Route("GET", "/w/{slug}/settings/roles/{role}/edit", None, STAFF_ONLY),
    Route(
        "POST",
        "/w/{slug}/settings/roles/{role}/edit",
        {"name": "renamed-role", "permissions": ["workspace:read"]},
        STAFF_ONLY,
    ),
    Route("POST", "/w/{slug}/settings/roles/{role}/delete", {}, STAFF_ONLY),
    Route("GET", "/w/{slug}/settings/audit", None, STAFF_ONLY),
]
WITH_IDS = [
    r for r in ROUTES if "{member}" in r.path or "{invitation}" in r.path or "{role}" in r.path
]


def call(browser: Any, route: Route, url: str) -> Any:
    return browser.get(url) if route.method == "GET" else browser.post(url, route.form or {})


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    return new_tenant(factory)


def test_anonymous_visitors_are_sent_to_sign_in(tenant: Tenant, browser_for: BrowserFor) -> None:
    anonymous = browser_for(None)
    for route in ROUTES:
        url = route.url(tenant.ws["slug"], tenant)
        expected = f"/sign-in?next={url}" if route.method == "GET" else "/sign-in?next=/"
        assert redirected_to(call(anonymous, route, url)) == expected, route


def test_non_members_get_the_404_page(
    factory: Factory, tenant: Tenant, browser_for: BrowserFor
) -> None:
    before = snapshot(factory, tenant.ws)
    stranger = browser_for(factory.user())
    for route in ROUTES:
        resp = call(stranger, route, route.url(tenant.ws["slug"], tenant))
        assert resp.status_code == 404, route
        assert "Page not found" in text(resp)
    assert snapshot(factory, tenant.ws) == before


def test_ids_of_another_workspace_get_the_404_page(
    factory: Factory, tenant: Tenant, browser_for: BrowserFor
) -> None:
    other = new_tenant(factory)
    before = (snapshot(factory, tenant.ws), snapshot(factory, other.ws))
    browser = browser_for(tenant.owner)
    for route in WITH_IDS:
        resp = call(browser, route, route.url(tenant.ws["slug"], other))
        assert resp.status_code == 404, route
        assert "Page not found" in text(resp)
    assert (snapshot(factory, tenant.ws), snapshot(factory, other.ws)) == before


def test_roles_without_the_permission_get_the_403_page(
    factory: Factory, tenant: Tenant, browser_for: BrowserFor
) -> None:
    browsers = {role: browser_for(factory.member(tenant.ws, role)) for role in STAFF_ONLY}
    before = snapshot(factory, tenant.ws)
    for route in ROUTES:
        for role in route.denied:
            resp = call(browsers[role], route, route.url(tenant.ws["slug"], tenant))
            assert resp.status_code == 403, (route, role)
            assert "Not allowed" in text(resp)
    assert snapshot(factory, tenant.ws) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_lowest_allowed_role_succeeds(
    factory: Factory, tenant: Tenant, browser_for: BrowserFor, route: Route
) -> None:
    role = route.lowest_allowed
    actor = tenant.owner if role == "owner" else factory.member(tenant.ws, role)
    if route.path.endswith("/delete"):
        # A role in use cannot be deleted: give it one nobody holds.
        tenant.role = new_role(tenant.owner, tenant.ws)
    before = snapshot(factory, tenant.ws)
    browser = browser_for(actor)
    resp = call(browser, route, route.url(tenant.ws["slug"], tenant))
    if route.method == "GET":
        assert resp.status_code == 200, resp.text[:500]
    else:
        location = redirected_to(resp)
        assert location.startswith(f"/w/{tenant.ws['slug']}/settings"), location
        assert "alert-error" not in browser.get(location).text
        assert snapshot(factory, tenant.ws) != before


# --- the workspace ------------------------------------------------------------------------


def test_saving_the_settings_with_a_new_slug_goes_to_the_new_address(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    form = browser.get(f"/w/{ws['slug']}/settings")
    assert f'value="{ws["slug"]}"' in form.text
    new_slug = f"moved-{tag()}"
    resp = browser.post(
        f"/w/{ws['slug']}/settings",
        {"name": "Moved", "slug": new_slug, "base_currency": "EUR", "fiscal_year_start_month": 4},
    )
    assert redirected_to(resp) == f"/w/{new_slug}/settings"
    row = factory.sql.owner("SELECT * FROM workspaces WHERE id = %s", ws["id"], workspace=ws["id"])
    assert (row[0]["slug"], row[0]["name"], row[0]["base_currency"]) == (new_slug, "Moved", "EUR")
    assert row[0]["fiscal_year_start_month"] == 4
    shown = browser.get(f"/w/{new_slug}/settings")
    assert "Workspace settings saved." in text(shown)


def test_invalid_settings_show_inline_with_the_typed_values(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = browser_for(owner).post(
        f"/w/{ws['slug']}/settings", {"name": "Kept name", "base_currency": "euro"}
    )
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.text
    assert 'value="euro"' in resp.text
    assert 'value="Kept name"' in resp.text


def test_a_viewer_sees_the_settings_read_only(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = browser_for(factory.member(ws, "viewer")).get(f"/w/{ws['slug']}/settings")
    assert resp.status_code == 200
    assert "Save settings" not in resp.text
    assert ws["name"] in text(resp)


# --- members and invitations --------------------------------------------------------------


def test_invite_with_a_custom_role_and_the_invitee_accepts(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, permissions=["workspace:read", "customers:read"])
    invitee = factory.user()
    admin = browser_for(owner)
    form = admin.get(f"/w/{ws['slug']}/settings/invitations")
    assert f'<option value="{role["name"]}"' in form.text
    resp = admin.post(
        f"/w/{ws['slug']}/settings/invitations", {"email": invitee.email, "role": role["name"]}
    )
    assert redirected_to(resp) == f"/w/{ws['slug']}/settings/invitations"
    rows = factory.sql.owner(
        "SELECT id, role, custom_role_id, status FROM invitations WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )
    assert [(r["role"], str(r["custom_role_id"]), r["status"]) for r in rows] == [
        (role["name"], role["id"], "pending")
    ]
    invitation_id = rows[0]["id"]

    browser = browser_for(invitee)
    listing = browser.get("/invitations")
    assert ws["name"] in text(listing)
    assert f"/invitations/{invitation_id}/accept" in listing.text
    single = browser.get(f"/invitations/{invitation_id}")
    assert single.status_code == 200
    assert f"Join {ws['name']}" in text(single)
    accepted = browser.post(f"/invitations/{invitation_id}/accept")
    assert redirected_to(accepted) == f"/w/{ws['slug']}/"
    assert role_of(factory, ws, invitee) == role["name"]
    home = browser.get(f"/w/{ws['slug']}/")
    assert home.status_code == 200
    assert f"Welcome to {ws['name']}" in text(home)


def test_an_invitation_of_someone_else_is_the_404_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitation = invite(owner, ws, f"someone-{tag()}@example.com")
    intruder = browser_for(factory.user())
    assert intruder.get(f"/invitations/{invitation['id']}").status_code == 404
    assert intruder.post(f"/invitations/{invitation['id']}/accept").status_code == 404
    assert intruder.post(f"/invitations/{invitation['id']}/decline").status_code == 404
    status = factory.sql.owner(
        "SELECT status FROM invitations WHERE id = %s", invitation["id"], workspace=ws["id"]
    )
    assert status == [{"status": "pending"}]
    anonymous = browser_for(None).get(f"/invitations/{invitation['id']}")
    assert redirected_to(anonymous) == f"/sign-in?next=/invitations/{invitation['id']}"


def test_declining_an_invitation(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    invitation = invite(owner, ws, invitee.email)
    resp = browser_for(invitee).post(f"/invitations/{invitation['id']}/decline")
    assert redirected_to(resp) == "/invitations"
    status = factory.sql.owner(
        "SELECT status FROM invitations WHERE id = %s", invitation["id"], workspace=ws["id"]
    )
    assert status == [{"status": "rejected"}]
    assert role_of(factory, ws, invitee) is None


def test_an_invalid_invitation_shows_inline(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = browser_for(owner).post(
        f"/w/{ws['slug']}/settings/invitations", {"email": "not-an-email", "role": "viewer"}
    )
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.text
    assert 'value="not-an-email"' in resp.text


def test_changing_and_removing_members(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, permissions=["workspace:read"])
    worker = factory.member(ws, "member")
    browser = browser_for(owner)
    listing = browser.get(f"/w/{ws['slug']}/settings/members?role=member")
    assert worker.email in text(listing)
    assert owner.email not in text(listing)
    url = f"/w/{ws['slug']}/settings/members/{member_id(factory, ws, worker)}"
    resp = browser.post(f"{url}/role", {"role": role["name"]})
    assert redirected_to(resp) == f"/w/{ws['slug']}/settings/members"
    assert role_of(factory, ws, worker) == role["name"]
    resp = browser.post(f"{url}/remove")
    assert redirected_to(resp) == f"/w/{ws['slug']}/settings/members"
    assert role_of(factory, ws, worker) is None


def test_an_admin_cannot_touch_an_owner(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = browser_for(factory.member(ws, "admin"))
    url = f"/w/{ws['slug']}/settings/members/{member_id(factory, ws, owner)}"
    demote = admin.post(f"{url}/role", {"role": "viewer"})
    assert demote.status_code == 403
    assert "Only an owner may" in text(demote)
    remove = admin.post(f"{url}/remove")
    assert remove.status_code == 403
    assert role_of(factory, ws, owner) == "owner"


# --- roles --------------------------------------------------------------------------------


def test_a_custom_role_is_made_from_the_ticked_permissions(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin_actor = factory.member(ws, "admin")
    browser = browser_for(admin_actor)
    form = browser.get(f"/w/{ws['slug']}/settings/roles/new")
    assert 'value="customers:manage"' in form.text
    # An admin does not hold the owner's permissions: they show disabled.
    assert 'id="perm-members-grant-owner" type="checkbox" name="permissions"' in form.text
    assert 'value="members:grant-owner" disabled' in form.text
    name = role_name()
    chosen = ["customers:read", "customers:manage", "invoices:read"]
    resp = browser.post(
        f"/w/{ws['slug']}/settings/roles/new",
        {"name": name, "description": "Books", "permissions": chosen},
    )
    assert redirected_to(resp) == f"/w/{ws['slug']}/settings/roles"
    rows = factory.sql.owner(
        "SELECT permissions, description FROM workspace_roles WHERE workspace_id = %s"
        " AND name = %s",
        ws["id"],
        name,
        workspace=ws["id"],
    )
    assert len(rows) == 1
    assert sorted(rows[0]["permissions"]) == sorted(chosen)
    assert rows[0]["description"] == "Books"
    listing = browser.get(f"/w/{ws['slug']}/settings/roles")
    assert f"Role {name} created." in text(listing)


def test_a_role_form_error_keeps_the_ticks_and_escapes_names(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    payload = "<script>alert(1)</script>"
    resp = browser_for(owner).post(
        f"/w/{ws['slug']}/settings/roles/new",
        {"name": payload, "permissions": ["tasks:create"]},
    )
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.text
    assert payload not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
    assert 'value="tasks:create" checked' in resp.text


def test_editing_a_role_starts_from_its_permissions(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(owner, ws, permissions=["workspace:read", "projects:read"])
    browser = browser_for(owner)
    url = f"/w/{ws['slug']}/settings/roles/{role['id']}/edit"
    form = browser.get(url)
    assert 'value="projects:read" checked' in form.text
    assert 'value="tasks:read" checked' not in form.text
    resp = browser.post(url, {"name": role["name"], "permissions": ["tasks:read"]})
    assert redirected_to(resp) == f"/w/{ws['slug']}/settings/roles"
    rows = factory.sql.owner(
        "SELECT permissions FROM workspace_roles WHERE id = %s", role["id"], workspace=ws["id"]
    )
    assert rows == [{"permissions": ["tasks:read"]}]


# --- the audit trail ----------------------------------------------------------------------


def test_the_audit_page_lists_a_change_with_salaries_redacted_for_some(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws, first_name="Grace", salary="5123.00", salary_currency="EUR")
    page = browser_for(owner).get(f"/w/{ws['slug']}/settings/audit?entity_type=employee")
    assert page.status_code == 200
    shown = text(page)
    assert "employee.created" in shown
    assert f'href="/w/{ws["slug"]}/employees/{employee["id"]}"' in page.text  # the record
    assert "Grace" in shown
    assert "5123" in shown
    assert owner.email in shown

    auditor_role = new_role(owner, ws, permissions=["audit:read", "employees:read"])
    auditor = factory.member(ws, "viewer")
    changed = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, auditor)}",
        ws=ws,
        json={"role": auditor_role["name"]},
    )
    assert changed.status_code == 200, changed.text
    redacted = text(
        browser_for(auditor).get(f"/w/{ws['slug']}/settings/audit?entity_type=employee")
    )
    assert "Grace" in redacted
    assert "5123" not in redacted
    assert "[redacted]" in redacted


def test_audit_filters_are_checked(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    browser = browser_for(owner)
    bad = browser.get(f"/w/{ws['slug']}/settings/audit?action=nonsense&since=yesterday")
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    new_role(owner, ws, name=f"audited-{tag()}")
    by_action = text(browser.get(f"/w/{ws['slug']}/settings/audit?action=role.created"))
    assert "role.created" in by_action
    none = text(browser.get(f"/w/{ws['slug']}/settings/audit?action=invoice.created"))
    assert "role.created" not in none
    assert "No event matches these filters." in none


def test_times_show_in_the_workspaces_time_zone(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = %s", ws["id"])
    made = owner.post("/api/v1/projects", ws=ws, json={"code": "TZ", "name": "Zoned"})
    assert made.status_code == 201, made.text
    (event,) = factory.sql.owner(
        "SELECT occurred_at FROM audit_events WHERE workspace_id = %s AND entity_type = 'project'",
        ws["id"],
        workspace=ws["id"],
    )
    tokyo = event["occurred_at"].astimezone(ZoneInfo("Asia/Tokyo"))
    page = browser_for(owner).get(f"/w/{ws['slug']}/settings/audit?entity_type=project")
    assert page.status_code == 200
    assert f"{tokyo:%b} {tokyo.day}, {tokyo:%Y}, {tokyo:%-I:%M %p} JST" in text(page)
    utc = event["occurred_at"].astimezone(UTC)
    assert f"{utc:%-I:%M %p} JST" not in text(page)


def test_the_audit_trail_names_its_records_and_links_to_them(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    made = owner.post("/api/v1/projects", ws=ws, json={"code": "AUD", "name": "Audited"})
    assert made.status_code == 201, made.text
    project = made.json()
    gone = owner.post("/api/v1/projects", ws=ws, json={"code": "GONE", "name": "Gone"}).json()
    assert owner.delete(f"/api/v1/projects/{gone['id']}", ws=ws).status_code == 204
    page = browser_for(owner).get(f"/w/{ws['slug']}/settings/audit?entity_type=project")
    assert page.status_code == 200
    shown = text(page)
    assert "Project AUD open the project" in shown
    assert f'href="/w/{ws["slug"]}/projects/{project["id"]}"' in page.text
    # A deleted record has no page to open; its name stays.
    assert f'href="/w/{ws["slug"]}/projects/{gone["id"]}"' not in page.text
    assert "Project GONE" in shown
    assert "Name : ∅ → Audited" in shown  # field labels, not column names
