"""The JSON API fuzzed from its own OpenAPI document (schemathesis), as a signed-in owner.

Every operation is called over real HTTP with generated data, valid and invalid, with the
owner's bearer token and workspace; each answer must be no 5xx and must match what the
document declares (status code, content type, headers, body schema). Path parameters are
either generated or taken from real rows, so that the handlers are reached past the
look-ups. `ATLAS_FUZZ_EXAMPLES` sets the examples per operation and generation mode
(`make fuzz` raises it); the seed is fixed, so a run repeats exactly.

Operations that could take the fuzzing identity away are aimed elsewhere:
- `POST /api/v1/auth/sign-out` ends a session made for that one call;
- `DELETE /api/v1/auth/sessions/{session_id}` names a spare session of the owner;
- `DELETE /api/v1/workspaces/{workspace_ref}`, `POST /api/v1/members/leave` and
  `POST /api/v1/members/transfer-ownership` act in a spare workspace whose only member is
  the owner (so leaving it answers 409 `last_owner`);
- `POST /api/v1/auth/change-password` and `POST /api/v1/auth/sessions/revoke-others` run as
  they are: the generated current password never matches, and revoking the others
  leaves the caller's session.
The test ends by checking that the identity still works.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from atlas.db.ids import uuid7
from tests.factories import Actor, Factory
from tests.hr.helpers import monday
from tests.sql import Sql

EXAMPLES = int(os.environ.get("ATLAS_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
# Operations routed to the spare workspace (see the module docstring).
IN_SPARE_WORKSPACE = {
    "DELETE /api/v1/workspaces/{workspace_ref}",
    "POST /api/v1/members/leave",
    "POST /api/v1/members/transfer-ownership",
}
SIGN_OUT = "POST /api/v1/auth/sign-out"


@dataclass
class Target:
    """The fuzzing identity, its workspaces and the ids that path parameters may take."""

    factory: Factory
    owner: Actor
    ws: dict[str, Any]
    spare_ws: dict[str, Any]
    path_ids: dict[str, str] = field(default_factory=dict)

    def headers(self, label: str) -> dict[str, str]:
        """The owner's credentials for one call of operation `label`."""
        token = self.new_session()[1] if label == SIGN_OUT else self.owner.token
        ws = self.spare_ws if label in IN_SPARE_WORKSPACE else self.ws
        return {"Authorization": f"Bearer {token}", "X-Workspace-Id": str(ws["id"])}

    def known_ids(self, label: str) -> dict[str, str]:
        if label in IN_SPARE_WORKSPACE:
            return {"workspace_ref": str(self.spare_ws["id"])}
        return self.path_ids

    def new_session(self) -> tuple[str, str]:
        """A new session of the owner (written in SQL: sign-in is throttled), as its id
        and token."""
        token = secrets.token_urlsafe(32)
        row = self.factory.sql.owner(
            "INSERT INTO sessions (id, user_id, token_hash, expires_at)"
            " VALUES (%s, %s, %s, now() + interval '1 hour') RETURNING id",
            uuid7(),
            self.owner.id,
            hashlib.sha256(token.encode()).digest(),
        )[0]
        return str(row["id"]), token

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _created(self.owner.post(path, ws=self.ws, json=body))


@dataclass
class Tally:
    """Examples run per operation, and the failures found."""

    examples: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _created(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code in (200, 201), resp.text
    body: dict[str, Any] = resp.json()
    return body


def _seed(target: Target) -> dict[str, str]:
    """A row of every kind in the owner's workspace, through the API; their ids by the
    names of the path parameters."""
    owner, ws, tag = target.owner, target.ws, secrets.token_hex(3).upper()
    member = target.factory.member(ws, "member")
    members = _created(owner.get("/api/v1/members", ws=ws))["items"]
    project = target.create("/api/v1/projects", {"code": f"F{tag}", "name": "Fuzzed"})
    task = target.create(f"/api/v1/projects/{project['id']}/tasks", {"title": "A task"})
    employee = target.create(
        "/api/v1/employees",
        {"first_name": "Ada", "last_name": "Owner", "work_email": f"{tag}@corp.example.com"}
        | {"user_id": str(owner.id)},
    )
    leave_type = target.create(
        "/api/v1/leave-types", {"name": "Holiday", "yearly_allowance_days": "25"}
    )
    day = monday(10).isoformat()
    customer = target.create("/api/v1/customers", {"name": f"Customer {tag}"})
    line = {"description": "Work", "quantity": "1", "unit_price": "100.00", "tax_rate": "0"}
    entry = {"project_id": project["id"], "task_id": task["id"], "entry_date": day}
    return {
        "workspace_ref": str(ws["id"]),
        "session_id": target.new_session()[0],
        "member_id": next(m["id"] for m in members if m["user_id"] == str(member.id)),
        "invitation_id": target.create(
            "/api/v1/invitations", {"email": "guest@example.com", "role": "viewer"}
        )["id"],
        "project_id": project["id"],
        "task_id": task["id"],
        "key": task["key"],
        "role_ref": target.create("/api/v1/roles", {"name": "fuzzed", "permissions": []})["id"],
        "department_id": target.create("/api/v1/departments", {"code": "FZ", "name": "Fuzz"})["id"],
        "employee_id": employee["id"],
        "leave_type_id": leave_type["id"],
        "request_id": target.create(
            "/api/v1/leave-requests",
            {"leave_type_id": leave_type["id"], "start_date": day, "end_date": day},
        )["id"],
        "customer_id": customer["id"],
        "invoice_id": target.create(
            "/api/v1/invoices", {"customer_id": customer["id"], "lines": [line]}
        )["id"],
        "entry_id": target.create(
            "/api/v1/time-entries", entry | {"hours": "2.5", "hourly_rate": "80.00"}
        )["id"],
        "account_id": target.create(
            "/api/v1/accounts", {"code": f"F{tag}", "name": "Fuzzed", "type": "expense"}
        )["id"],
    }


@pytest.fixture(scope="module")
def target(server: str, sql: Sql) -> Iterator[Target]:
    """The owner of a workspace holding a row of every kind, and of a spare workspace."""
    factory = Factory(server, sql)
    owner = factory.user()
    target = Target(factory, owner, factory.workspace(owner), factory.workspace(owner))
    target.path_ids = _seed(target)
    yield target
    factory.close()


def _label(operation: APIOperation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _order(label: str) -> tuple[int, str]:
    """Deletions last, so that the other operations still find the rows they name."""
    return (label.startswith("DELETE "), label)


def _strategy(
    operation: APIOperation, mode: schemathesis.GenerationMode, known: dict[str, str]
) -> st.SearchStrategy[schemathesis.Case]:
    """Generated cases, half of them (where the path has parameters) naming real rows."""
    generated = operation.as_strategy(generation_mode=mode)
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in known.items() if name in names}
    if not fixed:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=fixed))


def _fuzz(operation: APIOperation, target: Target, base_url: str, tally: Tally) -> None:
    """Both generation modes of one operation; failures are collected, not raised."""
    label = _label(operation)
    tally.examples[label] = 0
    for mode in MODES:
        strategy = _strategy(operation, mode, target.known_ids(label))

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            tally.examples[label] += 1
            case.call_and_validate(
                base_url=base_url, headers=target.headers(label), checks=CHECKS, timeout=30
            )

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid: the operation takes no input
            continue
        except FailureGroup as exc:
            tally.failures.append(f"{label} ({mode.value}):\n{exc}")


def test_api_answers_match_the_openapi_document(
    server: str, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schemathesis.openapi.from_url(f"{server}/api/openapi.json")
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()), key=lambda op: _order(_label(op))
    )
    tally = Tally()
    for operation in operations:
        _fuzz(operation, target, server, tally)
    with capsys.disabled():
        print(
            f"\nfuzz: {len(tally.examples)} operations, {sum(tally.examples.values())} examples"
            f" (at most {EXAMPLES} per operation and mode), {len(tally.failures)} failing"
        )
    assert operations
    assert not [label for label, count in tally.examples.items() if count == 0]
    assert not tally.failures, "\n\n".join(tally.failures)
    still = target.owner.get(f"/api/v1/workspaces/{target.ws['id']}", ws=target.ws)
    assert still.status_code == 200, still.text
    assert still.json()["role"] == "owner"


def test_text_with_a_nul_character_is_refused_with_422(target: Target) -> None:
    """Found by the fuzzer: PostgreSQL refuses NUL in text, which answered 500."""
    resp = target.owner.post("/api/v1/customers", ws=target.ws, json={"name": "Nul\u0000Customer"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "invalid_value"
    search = target.owner.get("/api/v1/projects", ws=target.ws, params={"q": "a\u0000b"})
    assert search.status_code == 422, search.text


def test_blank_audit_filters_are_ignored(target: Target) -> None:
    """Found by the fuzzer: `entity_type=` (blank) answered 500."""
    resp = target.owner.get(
        "/api/v1/audit-events", ws=target.ws, params={"entity_type": "", "action": " "}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["total"] > 0
