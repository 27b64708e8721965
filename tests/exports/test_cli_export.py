"""`atlas-erp workspace export SLUG FILE` as a real process."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from atlas.config import Settings
from atlas.schema import tenant_tables
from tests.exports.helpers import SALARY, Tenant, new_tenant, read_archive, rows_of
from tests.factories import Factory
from tests.process import CLI, cli_env


@pytest.fixture
def tenant(factory: Factory) -> Tenant:
    return new_tenant(factory)


def test_export_writes_the_workspace_archive(
    database: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    target = tmp_path / "export.zip"
    done = subprocess.run(
        [*CLI, "workspace", "export", tenant.ws["slug"], str(target)],
        env=cli_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(target)
    manifest, files = read_archive(target.read_bytes())
    assert manifest["workspace"]["slug"] == tenant.ws["slug"]
    assert manifest["workspace"]["id"] == str(tenant.ws["id"])
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts["tasks"] == 2
    assert {row["id"] for row in rows_of(files, "tasks")} == {t["id"] for t in tenant.tasks}
    assert "tasks" in done.stderr
    assert "2/2" in done.stderr
    # An operator's archive: every table and every salary, secrets still left out.
    assert manifest["access"]["kind"] == "operator"
    assert manifest["omitted"] == []
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in tenant_tables()]
    (employee,) = rows_of(files, "employees")
    assert employee["salary"] == SALARY
    assert "token_hash" not in rows_of(files, "invitations")[0]
    assert {"table": "invitations", "columns": ["token_hash"], "requires": None} in manifest[
        "redacted"
    ]


def test_an_unknown_slug_exits_2_and_writes_nothing(database: Settings, tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    done = subprocess.run(
        [*CLI, "workspace", "export", "no-such-workspace", str(target)],
        env=cli_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "No workspace has the slug 'no-such-workspace'" in done.stderr
    assert not target.exists()
