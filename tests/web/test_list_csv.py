"""Every list page downloads as CSV (`<list>.csv` with the same query): every row its
filters match, in its sort, past one page; the list's own access; salaries only with
`hr:salary`; cells a spreadsheet would run as formulas escaped; the link on each list."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from html import escape
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from atlas.db.ids import uuid7
from atlas.ledger.chart import DEFAULT_CHART
from atlas.pagination import MAX_LIMIT
from tests.factories import Factory
from tests.finance.helpers import issue, many_customers, new_customer, new_invoice
from tests.finance.helpers import new_tenant as finance_tenant
from tests.hr.helpers import many_employees, monday, new_department, new_employee, new_leave_type
from tests.hr.helpers import new_tenant as hr_tenant
from tests.identity.emails import last_token
from tests.projects.helpers import new_project, new_task
from tests.roles.helpers import new_role
from tests.timesheets.helpers import new_time_entry
from tests.web.conftest import BrowserFor
from tests.web.helpers import Browser, member_with, redirected_to, text
from tests.workspaces.helpers import invite


def _rows(resp: httpx.Response) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(resp.text)))


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


# What each list holds


def test_customers_download_every_matching_row_past_one_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    made = many_customers(factory.sql, ws, MAX_LIMIT + 7, "Bulk")
    new_customer(owner, ws, name="Other Ltd")
    # offset and limit are the page's, not the file's: every row the filters match.
    resp = browser_for(owner).get(
        f"/w/{ws['slug']}/customers.csv?q=bulk&sort=-name&offset=50&limit=10"
    )
    rows = _rows(resp)
    assert [r["Name"] for r in rows] == [c["name"] for c in reversed(made)]
    assert rows[0]["Currency"] == "EUR"
    assert rows[0]["Payment terms (days)"] == "30"
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="customers-{_today()}.csv"'
    )


def test_invoices_download_with_their_filters_and_sort(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    acme, other = new_customer(owner, ws, name="Acme"), new_customer(owner, ws, name="Other")
    first = issue(owner, ws, new_invoice(owner, ws, acme))
    second = issue(owner, ws, new_invoice(owner, ws, acme))
    new_invoice(owner, ws, acme)  # a draft
    issue(owner, ws, new_invoice(owner, ws, other))
    url = f"/w/{ws['slug']}/invoices.csv?status=issued&customer_id={acme['id']}&sort=-number"
    rows = _rows(browser_for(owner).get(url))
    assert [(r["Number"], r["Customer"], r["Status"]) for r in rows] == [
        (second["number"], "Acme", "Issued"),
        (first["number"], "Acme", "Issued"),
    ]
    assert (rows[0]["Currency"], rows[0]["Total"], rows[0]["Balance"]) == (
        acme["currency"],
        "100.00",
        "100.00",
    )
    assert rows[0]["Issue date"] == second["issue_date"]
    # A customer typed that names no one is refused, as the list page refuses it.
    refused = browser_for(owner).get(f"/w/{ws['slug']}/invoices.csv?customer_id-search=Nobody")
    assert refused.status_code == 422
    assert "text/csv" not in refused.headers["content-type"]


def test_an_unknown_sort_key_is_the_error_page_not_a_file(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = browser_for(owner).get(f"/w/{ws['slug']}/customers.csv?sort=secret")
    assert resp.status_code == 422
    assert "Cannot sort by 'secret'" in text(resp)


def test_employees_show_salaries_only_to_those_with_hr_salary(
    factory: Factory, browser_for: BrowserFor
) -> None:
    tenant = hr_tenant(factory)
    ws, department = tenant.ws, tenant.department
    new_employee(tenant.owner, ws, status="terminated", department_id=department["id"])
    new_employee(tenant.owner, ws)  # in no department
    url = f"/w/{ws['slug']}/employees.csv?department_id={department['id']}&status=onboarding"
    rows = _rows(browser_for(tenant.owner).get(url))
    assert [(r["Last name"], r["Department"], r["Status"]) for r in rows] == [
        (tenant.employee["last_name"], department["name"], "Onboarding")
    ]
    assert (rows[0]["Salary"], rows[0]["Salary currency"]) == ("5000.00", "EUR")

    clerk = member_with(factory, tenant.owner, ws, ["workspace:read", "employees:read"])
    resp = browser_for(clerk).get(url)
    (row,) = _rows(resp)
    assert row["Last name"] == tenant.employee["last_name"]
    assert "Salary" not in row
    assert "5000" not in resp.text


def test_employees_download_past_one_page(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    made = many_employees(factory.sql, ws, MAX_LIMIT + 1, "Staff")
    rows = _rows(browser_for(owner).get(f"/w/{ws['slug']}/employees.csv?sort=number"))
    assert [r["Last name"] for r in rows] == [e["last_name"] for e in made]
    assert rows[-1]["Number"] == f"EMP-{made[-1]['number']:04d}"


def test_departments_name_their_parent_and_manager(
    factory: Factory, browser_for: BrowserFor
) -> None:
    tenant = hr_tenant(factory)
    ws = tenant.ws
    child = new_department(
        tenant.owner,
        ws,
        name="Child team",
        parent_department_id=tenant.department["id"],
        manager_employee_id=tenant.employee["id"],
    )
    rows = _rows(browser_for(tenant.owner).get(f"/w/{ws['slug']}/departments.csv?q=child"))
    employee = tenant.employee
    assert rows == [
        {
            "Code": child["code"],
            "Name": "Child team",
            "Parent department": tenant.department["name"],
            "Manager": f"{employee['first_name']} {employee['last_name']}",
        }
    ]


def test_leave_requests_default_to_pending_as_the_list_does(
    factory: Factory, browser_for: BrowserFor
) -> None:
    tenant = hr_tenant(factory)
    browser = browser_for(tenant.owner)
    rows = _rows(browser.get(f"/w/{tenant.ws['slug']}/leave.csv"))
    employee = tenant.employee
    assert [(r["Employee"], r["Leave type"], r["From"], r["Days"], r["Status"]) for r in rows] == [
        (
            f"{employee['first_name']} {employee['last_name']}",
            tenant.leave_type["name"],
            monday(10).isoformat(),
            "1.0",
            "Pending",
        )
    ]
    assert _rows(browser.get(f"/w/{tenant.ws['slug']}/leave.csv?status=approved")) == []


def test_projects_and_a_projects_tasks(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    active = new_project(owner, ws, status="active", budget="1200.50")
    new_project(owner, ws, status="planned")
    done = new_task(
        owner, ws, active, title="Done one", status="done", assignee_user_id=str(owner.id)
    )
    new_task(owner, ws, active, title="Still open")
    browser = browser_for(owner)
    projects = _rows(browser.get(f"/w/{ws['slug']}/projects.csv?status=active"))
    assert [(p["Code"], p["Budget"], p["Done tasks"], p["Todo tasks"]) for p in projects] == [
        (active["code"], "1200.50", "1", "1")
    ]
    tasks = _rows(browser.get(f"/w/{ws['slug']}/projects/{active['id']}/tasks.csv?status=done"))
    assert [(t["Key"], t["Title"], t["Status"], t["Assignee"]) for t in tasks] == [
        (done["key"], "Done one", "Done", owner.name)
    ]
    disposition = browser.get(f"/w/{ws['slug']}/projects/{active['id']}/tasks.csv")
    assert (
        f'filename="{active["code"]}-tasks-{_today()}.csv"'
        in (disposition.headers["content-disposition"])
    )


def test_the_audit_trail_shows_times_in_the_workspaces_zone(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = %s", ws["id"])
    customer = new_customer(owner, ws, name="Audited Ltd")
    new_project(owner, ws)
    resp = browser_for(owner).get(f"/w/{ws['slug']}/settings/audit.csv?entity_type=customer")
    (row,) = _rows(resp)
    assert (row["Actor"], row["Action"], row["Entity ID"], row["Name"]) == (
        owner.email,
        "customer.created",
        customer["id"],
        "Audited Ltd",
    )
    assert row["Time"].endswith("+09:00")
    assert json.loads(row["Changes"])["name"]["new"] == "Audited Ltd"


def test_the_journal_accounts_and_timesheet(factory: Factory, browser_for: BrowserFor) -> None:
    tenant = finance_tenant(factory)
    ws, browser = tenant.ws, browser_for(tenant.owner)
    journal = _rows(browser.get(f"/w/{ws['slug']}/journal.csv?source_type=invoice"))
    assert [(e["Source"], e["Amount"], e["Currency"]) for e in journal] == [
        ("Invoice", "100.00", tenant.issued["currency"])
    ]
    refused = browser.get(f"/w/{ws['slug']}/journal.csv?from=someday")
    assert refused.status_code == 422

    chart = _rows(browser.get(f"/w/{ws['slug']}/accounts.csv"))
    assert {a["Code"] for a in chart} == {a.code for a in DEFAULT_CHART}
    parents = {a.code: a.parent or "" for a in DEFAULT_CHART}
    assert all(a["Under"] == parents[a["Code"]] for a in chart)
    # Each group comes before the accounts under it, as on the page.
    seen: set[str] = set()
    for account in chart:
        assert account["Under"] in seen | {""}
        seen.add(account["Code"])

    entry, project = tenant.entry, tenant.project
    week = date.fromisoformat(entry["entry_date"]).isoformat()
    url = f"/w/{ws['slug']}/timesheet.csv?employee={tenant.employee['id']}&week={week}"
    (row,) = _rows(browser.get(url))
    assert (row["Date"], row["Project"], row["Task"], row["Hours"], row["Billable"]) == (
        entry["entry_date"],
        project["code"],
        tenant.task["key"],
        "2.50",
        "yes",
    )
    other_week = url.replace(week, "2026-06-01")
    assert _rows(browser.get(other_week)) == []
    new_time_entry(tenant.owner, ws, project, entry_date="2026-06-02", hours="1")
    assert [r["Date"] for r in _rows(browser.get(other_week))] == ["2026-06-02"]


def test_draft_entries_with_their_search_and_sort(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = %s", ws["id"])
    dated = {"memo": "Accrual, March", "entry_date": "2026-03-31", "currency": "EUR"}
    for body in (dated, {"memo": "Accrual, April"}, {"memo": "Rent"}):
        made = owner.post("/api/v1/journal-drafts", ws=ws, json=body)
        assert made.status_code == 201, made.text
    resp = browser_for(owner).get(f"/w/{ws['slug']}/journal/drafts.csv?q=accrual&sort=entry_date")
    rows = _rows(resp)
    assert list(rows[0]) == ["Date", "Memo", "Currency", "Created", "Saved"]
    assert [(r["Date"], r["Memo"], r["Currency"]) for r in rows] == [
        ("2026-03-31", "Accrual, March", "EUR"),
        ("", "Accrual, April", "USD"),  # no date yet; the workspace's currency
    ]
    assert rows[0]["Saved"].endswith("+09:00")
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="draft-entries-{_today()}.csv"'
    )
    refused = browser_for(owner).get(f"/w/{ws['slug']}/journal/drafts.csv?sort=lines")
    assert refused.status_code == 422
    assert "Cannot sort by 'lines'" in text(refused)


def test_leave_types_with_their_search(factory: Factory, browser_for: BrowserFor) -> None:
    tenant = hr_tenant(factory)
    ws = tenant.ws
    sick = new_leave_type(tenant.owner, ws, name="Sick days", yearly_allowance_days="10.5")
    rows = _rows(browser_for(tenant.owner).get(f"/w/{ws['slug']}/leave-types.csv?q=sick"))
    assert rows == [{"Name": "Sick days", "Days a year": sick["yearly_allowance_days"]}]
    every_type = _rows(browser_for(tenant.owner).get(f"/w/{ws['slug']}/leave-types.csv?sort=-name"))
    names = [tenant.leave_type["name"], tenant.spare_leave_type["name"], "Sick days"]
    assert [r["Name"] for r in every_type] == sorted(names, reverse=True)


def test_members_by_role_without_any_secret(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = %s", ws["id"])
    admins = [factory.member(ws, "admin"), factory.member(ws, "admin")]
    factory.member(ws, "viewer")
    url = f"/w/{ws['slug']}/settings/members.csv?role=admin&sort=-email"
    resp = browser_for(owner).get(url)
    rows = _rows(resp)
    assert list(rows[0]) == ["Name", "Email", "Role", "Joined"]
    by_email = sorted(admins, key=lambda a: a.email, reverse=True)
    assert [(r["Name"], r["Email"], r["Role"]) for r in rows] == [
        (a.name, a.email, "admin") for a in by_email
    ]
    assert rows[0]["Joined"].endswith("+09:00")
    hashes = factory.sql.owner("SELECT password_hash FROM users WHERE id = %s", admins[0].id)
    assert hashes[0]["password_hash"] not in resp.text
    assert owner.email not in resp.text
    everyone = _rows(browser_for(owner).get(f"/w/{ws['slug']}/settings/members.csv"))
    assert len(everyone) == 4
    refused = browser_for(owner).get(f"/w/{ws['slug']}/settings/members.csv?role=nobody")
    assert refused.status_code == 422
    assert "text/csv" not in refused.headers["content-type"]


def test_invitations_by_status_without_their_links(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    pending = invite(owner, ws, f"pending-{uuid7().hex[:8]}@example.com", role="viewer")
    canceled = invite(owner, ws, f"canceled-{uuid7().hex[:8]}@example.com")
    assert owner.post(f"/api/v1/invitations/{canceled['id']}/cancel", ws=ws).status_code == 200
    resp = browser_for(owner).get(f"/w/{ws['slug']}/settings/invitations.csv?status=pending")
    rows = _rows(resp)
    assert [(r["Email"], r["Role"], r["Status"]) for r in rows] == [
        (pending["email"], "viewer", "Pending")
    ]
    assert list(rows[0]) == ["Email", "Role", "Status", "Sent", "Expires"]
    expires = datetime.fromisoformat(pending["expires_at"]).replace(microsecond=0)
    assert datetime.fromisoformat(rows[0]["Expires"]) == expires
    token = last_token(factory.sql, pending["email"], "/invitations/accept")
    assert token not in resp.text
    assert "/invitations/accept" not in resp.text
    both = _rows(browser_for(owner).get(f"/w/{ws['slug']}/settings/invitations.csv"))
    assert {r["Status"] for r in both} == {"Pending", "Canceled"}


def test_roles_with_their_permissions(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = new_role(
        owner,
        ws,
        name="auditor",
        description="=HYPERLINK(1)",
        permissions=["workspace:read", "audit:read"],
    )
    member_with_role = factory.user()
    factory.add_member(ws, member_with_role, "viewer")
    rows = _rows(browser_for(owner).get(f"/w/{ws['slug']}/settings/roles.csv?q=auditor"))
    assert rows == [
        {
            "Role": role["name"],
            "Kind": "Custom",
            "Description": "'=HYPERLINK(1)",
            "Permissions": "audit:read workspace:read",
            "Members": "0",
        }
    ]
    every_role = _rows(browser_for(owner).get(f"/w/{ws['slug']}/settings/roles.csv"))
    viewer = next(r for r in every_role if r["Role"] == "viewer")
    assert (viewer["Kind"], viewer["Members"]) == ("Built-in", "1")


# Formulas


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1+2", "-3+4", "@SUM(A1)", "\tTab"])
def test_cells_a_spreadsheet_would_run_are_escaped(
    factory: Factory, browser_for: BrowserFor, name: str
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner(
        "INSERT INTO customers (workspace_id, id, name, currency) VALUES (%s, %s, %s, 'EUR')",
        ws["id"],
        uuid7(),
        name,
        workspace=ws["id"],
    )
    (row,) = _rows(browser_for(owner).get(f"/w/{ws['slug']}/customers.csv"))
    assert row["Name"] == f"'{name}"
    made = owner.post("/api/v1/journal-drafts", ws=ws, json={"memo": name})
    assert made.status_code == 201, made.text
    (draft,) = _rows(browser_for(owner).get(f"/w/{ws['slug']}/journal/drafts.csv"))
    assert draft["Memo"] == f"'{name}"


def test_user_typed_names_are_escaped_in_the_settings_and_leave_lists(
    factory: Factory, browser_for: BrowserFor
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    new_leave_type(owner, ws, name="=cmd|' /C calc'!A0")
    (kind,) = _rows(browser_for(owner).get(f"/w/{ws['slug']}/leave-types.csv"))
    assert kind["Name"] == "'=cmd|' /C calc'!A0"
    factory.sql.owner("UPDATE users SET name = %s WHERE id = %s", "@SUM(A1)", owner.id)
    (me,) = _rows(browser_for(owner).get(f"/w/{ws['slug']}/settings/members.csv"))
    assert me["Name"] == "'@SUM(A1)"


# Access


@pytest.fixture
def access_tenant(factory: Factory) -> Any:
    """A workspace with a row of every list, its owner and the ids the addresses name."""
    return hr_tenant(factory)


CSV_ROUTES = [
    ("/customers.csv", "customers:read"),
    ("/invoices.csv", "invoices:read"),
    ("/employees.csv", "employees:read"),
    ("/departments.csv", "departments:read"),
    ("/leave.csv", "leave:read"),
    ("/projects.csv", "projects:read"),
    ("/projects/{project}/tasks.csv", "tasks:read"),
    ("/settings/audit.csv", "audit:read"),
    ("/journal.csv", "ledger:read"),
    ("/accounts.csv", "ledger:read"),
    ("/timesheet.csv?employee={employee}", "time:read"),
    ("/journal/drafts.csv", "ledger:read"),
    ("/leave-types.csv", "leave:read"),
    ("/settings/members.csv", "members:read"),
    ("/settings/invitations.csv", "invitations:read"),
    ("/settings/roles.csv", "roles:read"),
]


@pytest.mark.parametrize(("path", "permission"), CSV_ROUTES)
def test_a_download_asks_what_its_list_asks(
    factory: Factory, browser_for: BrowserFor, access_tenant: Any, path: str, permission: str
) -> None:
    tenant = access_tenant
    ws = tenant.ws
    project = new_project(tenant.owner, ws)
    url = f"/w/{ws['slug']}" + path.format(project=project["id"], employee=tenant.employee["id"])
    anonymous = browser_for(None).get(url)
    assert redirected_to(anonymous) == f"/sign-in?next={quote(url, safe='/')}"
    stranger = factory.user()
    factory.workspace(stranger)
    assert browser_for(stranger).get(url).status_code == 404
    # Every list's permission but its own.
    held = sorted({"workspace:read"} | {p for _, p in CSV_ROUTES} - {permission})
    denied = member_with(factory, tenant.owner, ws, held)
    refused = browser_for(denied).get(url)
    assert refused.status_code == 403, refused.text[:300]
    assert permission in text(refused)
    assert "text/csv" not in refused.headers["content-type"]
    _rows(browser_for(tenant.owner).get(url))


def test_another_workspaces_project_is_not_found(factory: Factory, browser_for: BrowserFor) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    stranger = factory.user()
    theirs = new_project(stranger, factory.workspace(stranger))
    resp = browser_for(owner).get(f"/w/{ws['slug']}/projects/{theirs['id']}/tasks.csv")
    assert resp.status_code == 404


# The link on each list


def test_each_list_links_its_download_with_its_filters(
    factory: Factory, browser_for: BrowserFor
) -> None:
    tenant = finance_tenant(factory)
    ws, browser = tenant.ws, browser_for(tenant.owner)
    slug = ws["slug"]
    project = tenant.project["id"]
    lists = {
        "/customers": "?q=Customer&sort=-name",
        "/invoices": "?status=issued&sort=-number",
        "/projects": "?sort=code",
        "/settings/audit": "?entity_type=customer",
        "/journal": "?source_type=invoice",
        "/accounts": "",
        "/timesheet": f"?employee={tenant.employee['id']}&week={tenant.entry['entry_date']}",
        "/journal/drafts": "?q=Accrual&sort=entry_date",
        "/settings/members": "?role=owner&sort=email",
        "/settings/invitations": "?status=pending",
        "/settings/roles": "?q=admin",
    }
    assert (
        tenant.owner.post("/api/v1/journal-drafts", ws=ws, json={"memo": "Accrual"}).status_code
        == 201
    )
    invite(tenant.owner, ws, f"invited-{uuid7().hex[:8]}@example.com")
    _assert_links(browser, slug, lists)
    detail = browser.get(f"/w/{slug}/projects/{project}?status=todo&offset=0")
    assert f'href="{escape(f"/w/{slug}/projects/{project}/tasks.csv?status=todo")}"' in (
        detail.text
    )
    people = hr_tenant(factory)
    hr_lists = {
        "/employees": "?status=onboarding&sort=last_name",
        "/departments": "?sort=-code",
        "/leave": "?status=all&sort=start_date",
        "/leave-types": "?q=leave&sort=name",
    }
    _assert_links(browser_for(people.owner), people.ws["slug"], hr_lists)


def _assert_links(browser: Browser, slug: str, lists: dict[str, str]) -> None:
    """Each list page (`path` with `query`, on its first page) links `path.csv?query`: the
    page's own offset is left out."""
    for path, query in lists.items():
        sep = "&" if query else "?"
        resp = browser.get(f"/w/{slug}{path}{query}{sep}offset=0")
        assert resp.status_code == 200, (path, resp.text[:300])
        assert f'href="{escape(f"/w/{slug}{path}.csv{query}")}"' in resp.text, path
