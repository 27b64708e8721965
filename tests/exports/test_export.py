"""GET /api/v1/workspace/export: owners only, one workspace's rows, no secrets."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from atlas.db.metadata import tenant_tables
from tests.access import error_code
from tests.exports.helpers import Tenant, all_ids, new_tenant, read_archive, rows_of
from tests.factories import Factory
from tests.sql import Sql

URL = "/api/v1/workspace/export"


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
    assert manifest["format_version"] == 1
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
