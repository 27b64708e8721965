"""GET /api/v1/workspace/export: owners only, one workspace's rows, no secrets."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from atlas.exports.service import TABLE_READ_PERMISSIONS
from atlas.schema import tenant_tables
from atlas.tenancy.permissions import KNOWN_PERMISSIONS
from tests.access import error_code
from tests.exports.helpers import (
    SALARY,
    Tenant,
    all_ids,
    member_with_permissions,
    new_tenant,
    read_archive,
    rows_of,
)
from tests.factories import Factory
from tests.sql import Sql

URL = "/api/v1/workspace/export"
EXPORT_ONLY = ["workspace:read", "workspace:export"]
REDACTED = {"old": "[redacted]", "new": "[redacted]"}


def archive_text(manifest: dict[str, Any], files: dict[str, str]) -> str:
    return "\n".join([*files.values(), str(manifest)])


def api_audit_changes(actor: Any, ws: dict[str, Any], entity_id: str) -> dict[str, Any]:
    """The changes of an entity's audit events, by event id, as the API shows them."""
    resp = actor.get("/api/v1/audit-events", ws=ws, params={"entity_id": entity_id})
    assert resp.status_code == 200, resp.text
    return {event["id"]: event["changes"] for event in resp.json()["items"]}


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return new_tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return new_tenant(factory)


def test_anonymous_gets_401(client: httpx.Client, tenant_a: Tenant) -> None:
    resp = client.get(URL, headers={"X-Workspace-Id": str(tenant_a.ws["id"])})
    assert resp.status_code == 401
    assert error_code(resp) == "unauthenticated"


def test_non_member_gets_404(factory: Factory, tenant_a: Tenant) -> None:
    resp = factory.user().get(URL, ws=tenant_a.ws)
    assert resp.status_code == 404
    assert error_code(resp) == "workspace_not_found"


@pytest.mark.parametrize("role", ["viewer", "member", "admin"])
def test_roles_below_owner_get_403(factory: Factory, tenant_a: Tenant, role: str) -> None:
    resp = factory.member(tenant_a.ws, role).get(URL, ws=tenant_a.ws)
    assert resp.status_code == 403
    assert error_code(resp) == "permission_denied"


def test_owner_gets_a_zip_named_after_the_workspace(tenant_a: Tenant) -> None:
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/zip"
    disposition = resp.headers["content-disposition"]
    pattern = rf'attachment; filename="{tenant_a.ws["slug"]}-export-\d{{8}}T\d{{6}}Z\.zip"'
    assert re.fullmatch(pattern, disposition)
    manifest, files = read_archive(resp.content)
    assert manifest["format_version"] == 2
    assert manifest["workspace"] == {
        "id": str(tenant_a.ws["id"]),
        "slug": tenant_a.ws["slug"],
        "name": tenant_a.ws["name"],
    }
    assert manifest["exported_at"]
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in tenant_tables()]
    assert sorted(files) == sorted(f"{t.name}.jsonl" for t in tenant_tables())


def test_the_archive_holds_every_row_of_the_workspace_and_none_of_another(
    sql: Sql, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    assert resp.status_code == 200, resp.text
    manifest, files = read_archive(resp.content)

    assert {row["id"] for row in rows_of(files, "projects")} == {tenant_a.project["id"]}
    assert {row["id"] for row in rows_of(files, "tasks")} == {t["id"] for t in tenant_a.tasks}
    members = {row["user_id"] for row in rows_of(files, "workspace_members")}
    assert members == {str(tenant_a.owner.id), str(tenant_a.member.id)}
    assert {row["id"] for row in rows_of(files, "invitations")} == {tenant_a.invitation["id"]}
    exported_ids = {row["id"] for name in files for row in rows_of(files, name[: -len(".jsonl")])}
    assert exported_ids == all_ids(sql, tenant_a.ws) - {str(tenant_a.ws["id"])}

    text = "\n".join([*files.values(), str(manifest)])
    foreign = {b_id for b_id in all_ids(sql, tenant_b.ws) if b_id in text}
    assert foreign == set()


def test_manifest_counts_match_the_files_and_token_hashes_are_left_out(
    sql: Sql, tenant_a: Tenant
) -> None:
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    manifest, files = read_archive(resp.content)
    for table in manifest["tables"]:
        assert table["file"] == f"{table['name']}.jsonl"
        assert len(rows_of(files, table["name"])) == table["rows"]
    counts: dict[str, Any] = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts["tasks"] == 2
    assert counts["workspace_members"] == 2
    invitation = rows_of(files, "invitations")[0]
    assert "token_hash" not in invitation
    assert invitation["email"] == tenant_a.invitation["email"]
    stored = sql.owner(
        "SELECT encode(token_hash, 'hex') AS hex FROM invitations WHERE id = %s",
        tenant_a.invitation["id"],
        workspace=tenant_a.ws["id"],
    )
    assert stored[0]["hex"] not in "".join(files.values())
    # The audit trail says the token was set, never what it is.
    trail = rows_of(files, "audit_events")
    tokens = [e["changes"]["token_hash"] for e in trail if "token_hash" in e["changes"]]
    assert tokens == [{"old": "[redacted]", "new": "[redacted]"}]


def test_values_are_written_as_json_strings(tenant_a: Tenant) -> None:
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    _, files = read_archive(resp.content)
    project = rows_of(files, "projects")[0]
    assert project["workspace_id"] == str(tenant_a.ws["id"])
    assert project["code"] == tenant_a.project["code"]
    assert project["created_at"] == tenant_a.project["created_at"].replace("Z", "+00:00")


def test_the_search_documents_are_not_exported(tenant_a: Tenant) -> None:
    """Derived from the row's own fields, and written by the database alone."""
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    _, files = read_archive(resp.content)
    for table in ("projects", "tasks", "employees"):
        rows = rows_of(files, table)
        assert rows, table
        assert all("search_document" not in row for row in rows), table
    assert "search_document" not in files["projects.jsonl"]


# --- what a member's export may hold -------------------------------------------------------


def test_every_tenant_table_maps_to_the_permissions_that_read_it() -> None:
    assert sorted(TABLE_READ_PERMISSIONS) == sorted(t.name for t in tenant_tables())
    needed = {p for permissions in TABLE_READ_PERMISSIONS.values() for p in permissions}
    assert needed <= KNOWN_PERMISSIONS
    assert all(TABLE_READ_PERMISSIONS.values())


def test_a_role_that_may_only_export_gets_no_table_it_cannot_list(
    factory: Factory, tenant_a: Tenant
) -> None:
    exporter = member_with_permissions(factory, tenant_a, EXPORT_ONLY)
    listed = exporter.get("/api/v1/employees", ws=tenant_a.ws)
    assert listed.status_code == 403
    assert error_code(listed) == "permission_denied"

    resp = exporter.get(URL, ws=tenant_a.ws)
    assert resp.status_code == 200, resp.text
    manifest, files = read_archive(resp.content)
    # The logo is the one table `workspace:read` lists (this workspace has none).
    assert manifest["tables"] == [
        {"name": "workspace_logos", "file": "workspace_logos.jsonl", "rows": 0}
    ]
    assert files == {"workspace_logos.jsonl": ""}
    omitted = {t["name"]: t["requires"] for t in manifest["omitted"]}
    assert sorted(omitted) == sorted(t.name for t in tenant_tables() if t.name != "workspace_logos")
    assert omitted["employees"] == ["employees:read"]
    assert omitted["audit_events"] == ["audit:read"]
    assert omitted["number_sequences"] == ["employees:read", "invoices:read"]
    assert manifest["access"]["kind"] == "member"
    assert manifest["access"]["user_id"] == str(exporter.id)
    assert manifest["access"]["permissions"] == sorted(EXPORT_ONLY)
    text = archive_text(manifest, files)
    assert SALARY not in text
    assert tenant_a.employee["id"] not in text
    assert tenant_a.project["id"] not in text


def test_a_role_without_hr_salary_gets_employees_and_their_trail_without_salaries(
    factory: Factory, tenant_a: Tenant
) -> None:
    reader = member_with_permissions(
        factory, tenant_a, [*EXPORT_ONLY, "employees:read", "audit:read"]
    )
    resp = reader.get(URL, ws=tenant_a.ws)
    assert resp.status_code == 200, resp.text
    manifest, files = read_archive(resp.content)
    assert [t["name"] for t in manifest["tables"]] == [
        "audit_events",
        "workspace_logos",
        "employees",
        "employee_user_links",
    ]
    assert "projects" in {t["name"] for t in manifest["omitted"]}

    (employee,) = rows_of(files, "employees")
    assert employee["id"] == tenant_a.employee["id"]
    assert employee["work_email"] == tenant_a.employee["work_email"]
    assert "salary" not in employee
    assert "salary_currency" not in employee

    # The trail as the API shows it to the same reader: salaries redacted.
    exported = {
        event["id"]: event["changes"]
        for event in rows_of(files, "audit_events")
        if event["entity_id"] == tenant_a.employee["id"]
    }
    assert exported == api_audit_changes(reader, tenant_a.ws, tenant_a.employee["id"])
    (created,) = exported.values()
    assert created["salary"] == REDACTED
    assert created["salary_currency"] == REDACTED
    assert created["work_email"]["new"] == tenant_a.employee["work_email"]
    assert SALARY not in archive_text(manifest, files)
    assert {"table": "employees", "columns": ["salary", "salary_currency"]} in [
        {"table": r["table"], "columns": r["columns"]} for r in manifest["redacted"]
    ]


def test_the_owners_export_still_holds_every_table_and_the_salaries(tenant_a: Tenant) -> None:
    resp = tenant_a.owner.get(URL, ws=tenant_a.ws)
    manifest, files = read_archive(resp.content)
    assert manifest["omitted"] == []
    assert manifest["access"]["role"] == "owner"
    (employee,) = rows_of(files, "employees")
    assert (employee["salary"], employee["salary_currency"]) == (SALARY, "EUR")
    exported = {
        event["id"]: event["changes"]
        for event in rows_of(files, "audit_events")
        if event["entity_id"] == tenant_a.employee["id"]
    }
    assert exported == api_audit_changes(tenant_a.owner, tenant_a.ws, tenant_a.employee["id"])
    (created,) = exported.values()
    assert created["salary_currency"] == {"old": None, "new": "EUR"}
