"""The OpenAPI document is one a client generator takes as it is: operation ids are the
endpoint names, schema names are plain, and a generated client drives the real server."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from atlas.app import create_app
from atlas.config import Settings
from tests.factories import PASSWORD, Factory

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_CONFIG = ROOT / "docs" / "openapi-client.yml"
PACKAGE = "atlas_erp_client"
IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# A model name; a generic model's too (`ProjectPage` for `Page[Project]`).
SCHEMA_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(path, method) -> operationId, for every operation of the document."""
    return {
        (path, method): operation["operationId"]
        for path, methods in doc["paths"].items()
        for method, operation in methods.items()
    }


def test_operation_ids_are_the_endpoint_names_and_unique(
    client: httpx.Client, database: Settings
) -> None:
    doc = client.get("/api/openapi.json").json()
    endpoints = {
        (route.path, method.lower()): route.original_route.endpoint.__name__
        for route in iter_route_contexts(create_app(database).routes)
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    ids = operations(doc)
    assert ids == endpoints
    assert ids[("/api/v1/projects", "post")] == "create_project"
    duplicates = sorted({i for i in ids.values() if list(ids.values()).count(i) > 1})
    assert not duplicates, f"operation ids used twice: {duplicates}"
    assert [i for i in ids.values() if not IDENTIFIER.fullmatch(i)] == []
    # Only the JSON API is documented: no page (HTML route) reaches the document.
    assert sorted({p for p, _ in ids if not p.startswith("/api/v1/")}) == ["/healthz", "/readyz"]


def test_operations_are_grouped_by_module_tags(client: httpx.Client) -> None:
    """The tags are the generated client's modules (api.md lists them)."""
    doc = client.get("/api/openapi.json").json()
    tags = {
        (path, method): operation["tags"]
        for path, methods in doc["paths"].items()
        for method, operation in methods.items()
    }
    assert {tag for names in tags.values() for tag in names} == {
        "auth",
        "workspaces",
        "members",
        "api-keys",
        "invitations",
        "roles",
        "projects",
        "timesheets",
        "hr",
        "finance",
        "ledger",
        "audit",
        "search",
        "health",
    }
    time_entries = {key: names for key, names in tags.items() if "/time-entries" in key[0]}
    assert len(time_entries) == 5
    assert set(map(tuple, time_entries.values())) == {("timesheets",)}


def test_the_document_is_built_without_warnings(database: Settings) -> None:
    """FastAPI only warns about a duplicate operation id; here it is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        doc = create_app(database).openapi()
    assert doc["paths"]


def test_schema_names_are_plain_and_unique(client: httpx.Client) -> None:
    names = list(client.get("/api/openapi.json").json()["components"]["schemas"])
    # Pydantic mangles clashing names into `atlas__module__Model` and splits a model whose
    # input and output differ into `Model-Input` / `Model-Output`.
    assert [n for n in names if "__" in n or not SCHEMA_NAME.fullmatch(n)] == []
    assert {"BuiltinRole", "PermissionCatalogue", "Role"} <= set(names)
    assert {"ProjectPage", "EmployeePage", "EmployeeWithSalaryPage", "RolePage"} <= set(names)


def _generate(doc_path: Path, out: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(doc_path),
            "--config",
            str(GENERATOR_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_a_generated_client_signs_in_and_creates_and_lists_a_project(
    server: str, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_path = tmp_path / "openapi.json"
    doc_path.write_bytes(httpx.get(f"{server}/api/openapi.json").content)
    output = _generate(doc_path, tmp_path / PACKAGE)
    assert [line for line in output.splitlines() if "warning" in line.lower()] == []

    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        models = importlib.import_module(f"{PACKAGE}.models")
        sign_in = importlib.import_module(f"{PACKAGE}.api.auth.sign_in")
        create_project = importlib.import_module(f"{PACKAGE}.api.projects.create_project")
        list_projects = importlib.import_module(f"{PACKAGE}.api.projects.list_projects")
        # The permission catalogue's model, once dropped for a clash of two `Role` models.
        assert {"PermissionCatalogue", "BuiltinRole", "Role"} <= set(dir(models))

        user = factory.user()
        ws = factory.workspace(user)
        with package.Client(base_url=server) as anonymous:
            signed_in = sign_in.sync(
                client=anonymous, body=models.SignIn(email=user.email, password=PASSWORD)
            )
        assert isinstance(signed_in, models.AuthResult), signed_in
        assert signed_in.user.email == user.email

        with package.AuthenticatedClient(
            base_url=server, token=signed_in.token, headers={"X-Workspace-Id": str(ws["id"])}
        ) as authed:
            created = create_project.sync(
                client=authed, body=models.ProjectCreate(code="GEN", name="Generated")
            )
            assert isinstance(created, models.Project), created
            assert (created.code, created.name) == ("GEN", "Generated")
            page = list_projects.sync(client=authed, q="Generated")
        assert isinstance(page, models.ProjectPage), page
        assert [(p.id, p.code) for p in page.items] == [(created.id, "GEN")]
        assert page.total == 1
    finally:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
