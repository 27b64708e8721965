"""Workspace API keys over real HTTP: made within the creator's permissions, shown once,
acting only in their workspace with at most what their creator holds now, and answering
401 once revoked, expired or orphaned."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import psycopg
import pytest

from atlas.tenancy.permissions import permissions_of
from tests.apikeys.helpers import new_key, with_key
from tests.factories import Factory
from tests.sql import Sql
from tests.workspaces.helpers import member_id

KEYS = "/api/v1/api-keys"
SECRET = re.compile(r"atl_[0-9a-f]{64}_[A-Za-z0-9_-]{43}")


def test_a_key_is_shown_once_and_acts_in_its_workspace(
    client: httpx.Client, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws, name="Deploys", role="member")
    assert SECRET.fullmatch(key["secret"])
    assert key["secret"].startswith(key["prefix"] + "_")
    assert key["prefix"] == f"atl_{ws['id'].hex}{key['id'].replace('-', '')}"
    assert key["status"] == "active"
    assert key["role"] == "member"
    assert key["permissions"] == sorted(permissions_of("member"))
    assert key["created_by"] == str(owner.id)
    listed = owner.get(KEYS, ws=ws).json()
    assert listed["total"] == 1
    assert "secret" not in listed["items"][0]
    assert key["secret"] not in str(listed)

    # No X-Workspace-Id needed: the key names its workspace.
    projects = with_key(client, key["secret"], "GET", "/api/v1/projects")
    assert projects.status_code == 200
    denied = with_key(
        client, key["secret"], "POST", "/api/v1/projects", json={"code": "K", "name": "By key"}
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"


def test_a_key_never_holds_more_than_its_creator(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    for body in ({"role": "owner"}, {"permissions": ["projects:read", "workspace:delete"]}):
        resp = admin.post(KEYS, ws=ws, json={"name": "Too much", **body})
        assert resp.status_code == 403, body
        assert resp.json()["error"]["code"] == "permission_not_held"
    assert new_key(admin, ws, permissions=["projects:read"])["permissions"] == ["projects:read"]


def test_the_creators_current_permissions_bound_the_key(
    client: httpx.Client, factory: Factory
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    admin = factory.member(ws, "admin")
    key = new_key(admin, ws, permissions=["projects:create", "projects:read"])
    create = {"code": "A1", "name": "By key"}
    assert (
        with_key(client, key["secret"], "POST", "/api/v1/projects", json=create).status_code == 201
    )
    # The creator becomes a member: the key can no longer create projects, still read them.
    changed = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, admin)}", ws=ws, json={"role": "member"}
    )
    assert changed.status_code == 200
    refused = with_key(
        client, key["secret"], "POST", "/api/v1/projects", json={"code": "A2", "name": "x"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert with_key(client, key["secret"], "GET", "/api/v1/projects").status_code == 200
    # The creator is removed: the key answers 401 on the next request.
    removed = owner.delete(f"/api/v1/members/{member_id(factory, ws, admin)}", ws=ws)
    assert removed.status_code == 204
    gone = with_key(client, key["secret"], "GET", "/api/v1/projects")
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "invalid_api_key"


def test_revoked_expired_and_wrong_keys_answer_401(
    client: httpx.Client, factory: Factory, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    revoked, expired, kept = (new_key(owner, ws, name=n) for n in ("Revoked", "Expired", "Kept"))
    done = owner.post(f"{KEYS}/{revoked['id']}/revoke", ws=ws)
    assert done.status_code == 200
    assert done.json()["status"] == "revoked"
    again = owner.post(f"{KEYS}/{revoked['id']}/revoke", ws=ws)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "api_key_revoked"
    sql.owner(
        """UPDATE api_keys SET created_at = now() - interval '2 days',
                  expires_at = now() - interval '1 second' WHERE id = %s""",
        expired["id"],
        workspace=ws["id"],
    )
    assert owner.get(f"{KEYS}/{expired['id']}", ws=ws).json()["status"] == "expired"
    prefix, secret = kept["secret"][:68], kept["secret"][69:]
    wrong_secret = prefix + "_" + ("A" if secret[0] != "A" else "B") + secret[1:]
    for credential in (revoked["secret"], expired["secret"], wrong_secret):
        resp = with_key(client, credential, "GET", "/api/v1/projects")
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "invalid_api_key"
    assert with_key(client, kept["secret"], "GET", "/api/v1/projects").status_code == 200
    # Not the shape of a key: read as a session token, which it is not either.
    odd = with_key(client, "atl_" + "0" * 20, "GET", "/api/v1/projects")
    assert odd.status_code == 401
    assert odd.json()["error"]["code"] == "invalid_session"


def test_a_key_of_a_used_with_b_is_refused(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws_a = factory.workspace(owner)
    ws_b = factory.workspace(owner)
    key = new_key(owner, ws_a, role="owner")
    for headers, path in (
        ({"X-Workspace-Id": str(ws_b["id"])}, "/api/v1/projects"),
        ({"X-Workspace-Id": ws_b["slug"]}, "/api/v1/projects"),
        ({}, f"/api/v1/workspaces/{ws_b['id']}"),
    ):
        resp = with_key(client, key["secret"], "GET", path, headers=headers)
        assert resp.status_code == 403, path
        assert resp.json()["error"]["code"] == "workspace_mismatch"
    named_a = with_key(
        client, key["secret"], "GET", "/api/v1/projects", headers={"X-Workspace-Id": ws_a["slug"]}
    )
    assert named_a.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/auth/session", None),
        ("GET", "/api/v1/auth/me", None),
        ("GET", "/api/v1/auth/sessions", None),
        ("POST", "/api/v1/auth/workspace-token", {}),
        ("POST", "/api/v1/auth/two-factor/setup", {"password": "x" * 12}),
        ("GET", "/api/v1/workspaces", None),
        ("POST", "/api/v1/workspaces", {"name": "From a key"}),
        ("POST", KEYS, {"name": "Another", "role": "viewer"}),
        ("GET", KEYS, None),
        ("PUT", "/api/v1/workspace/two-factor", {"required": False}),
        ("POST", "/api/v1/auth/sign-out", None),
    ],
)
def test_a_key_cannot_manage_the_account_sessions_two_factor_or_keys(
    client: httpx.Client, factory: Factory, method: str, path: str, body: object
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws, role="owner")
    resp = with_key(client, key["secret"], method, path, json=body)
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "session_required"


def test_pages_refuse_a_key(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws, role="owner")
    for path in (f"/w/{ws['slug']}/", "/account"):
        resp = with_key(client, key["secret"], "GET", path)
        assert resp.status_code == 403, path


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "", "role": "member"}, "validation_error", "body.name"),
        ({"name": "x" * 101, "role": "member"}, "validation_error", "body.name"),
        (
            {"name": "K", "role": "member", "expires_in_days": 0},
            "validation_error",
            "body.expires_in_days",
        ),
        (
            {"name": "K", "role": "member", "expires_in_days": 366},
            "validation_error",
            "body.expires_in_days",
        ),
        ({"name": "K"}, "grant_required", "role"),
        (
            {"name": "K", "role": "member", "permissions": ["projects:read"]},
            "grant_required",
            "role",
        ),
        ({"name": "K", "permissions": []}, "grant_required", "role"),
        ({"name": "K", "permissions": ["projects:fly"]}, "unknown_permission", "permissions"),
        ({"name": "K", "role": "no-such-role"}, "unknown_role", "role"),
    ],
)
def test_invalid_keys_are_refused_on_their_field(
    factory: Factory, body: dict[str, object], code: str, field: str
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    resp = owner.post(KEYS, ws=ws, json=body)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == code
    assert field in [d["field"] for d in error["details"]]


def test_expiry_defaults_to_90_days_and_takes_up_to_365(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for days, expected in ((None, 90), (365, 365), (1, 1)):
        extra = {} if days is None else {"expires_in_days": days}
        key = new_key(owner, ws, **extra)
        made = datetime.fromisoformat(key["created_at"])
        ends = datetime.fromisoformat(key["expires_at"])
        assert round((ends - made).total_seconds() / 86400) == expected


def test_a_custom_role_key_follows_the_role(client: httpx.Client, factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    role = owner.post(
        "/api/v1/roles", ws=ws, json={"name": "readers", "permissions": ["projects:read"]}
    ).json()
    key = new_key(owner, ws, role="readers")
    assert key["role"] == "readers"
    assert key["permissions"] == ["projects:read"]
    assert with_key(client, key["secret"], "GET", "/api/v1/projects").status_code == 200
    assert with_key(client, key["secret"], "GET", "/api/v1/customers").status_code == 403
    owner.patch(f"/api/v1/roles/{role['id']}", ws=ws, json={"permissions": ["customers:read"]})
    assert with_key(client, key["secret"], "GET", "/api/v1/customers").status_code == 200
    assert with_key(client, key["secret"], "GET", "/api/v1/projects").status_code == 403


def test_last_used_is_written_at_most_once_a_minute(
    client: httpx.Client, factory: Factory, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws)
    assert key["last_used_at"] is None
    with_key(client, key["secret"], "GET", "/api/v1/projects")
    first = owner.get(f"{KEYS}/{key['id']}", ws=ws).json()["last_used_at"]
    assert first is not None
    sql.owner(
        "UPDATE api_keys SET last_used_at = now() - interval '50 seconds' WHERE id = %s",
        key["id"],
        workspace=ws["id"],
    )
    recent = sql.owner(
        "SELECT last_used_at FROM api_keys WHERE id = %s", key["id"], workspace=ws["id"]
    )[0]
    with_key(client, key["secret"], "GET", "/api/v1/projects")
    assert (
        sql.owner("SELECT last_used_at FROM api_keys WHERE id = %s", key["id"], workspace=ws["id"])[
            0
        ]
        == recent
    )
    sql.owner(
        "UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE id = %s",
        key["id"],
        workspace=ws["id"],
    )
    with_key(client, key["secret"], "GET", "/api/v1/projects")
    later = sql.owner(
        "SELECT last_used_at FROM api_keys WHERE id = %s", key["id"], workspace=ws["id"]
    )[0]
    assert later["last_used_at"] > recent["last_used_at"]


def test_creation_and_revocation_are_audited_without_the_secret(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    key = new_key(owner, ws, name="Audited")
    owner.post(f"{KEYS}/{key['id']}/revoke", ws=ws)
    events = owner.get(
        "/api/v1/audit-events", ws=ws, params={"entity_type": "api_key", "entity_id": key["id"]}
    ).json()["items"]
    assert sorted(e["action"] for e in events) == ["api_key.created", "api_key.updated"]
    created = next(e for e in events if e["action"] == "api_key.created")
    assert created["changes"]["name"] == {"old": None, "new": "Audited"}
    assert "token_hash" not in str(events)
    assert key["secret"] not in str(events)
    updated = next(e for e in events if e["action"] == "api_key.updated")
    assert set(updated["changes"]) == {"revoked_at"}


def test_the_database_keeps_a_keys_rights_and_workspace(factory: Factory, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    other = factory.workspace(owner)
    key = new_key(owner, ws, role="viewer")
    for change in (
        "permissions = ARRAY['workspace:delete']",
        "role = 'owner'",
        "token_hash = 'x'",
        "created_by = created_by",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.app(f"UPDATE api_keys SET {change} WHERE id = %s", key["id"], workspace=ws["id"])
    # Another workspace's transaction sees no key; naming the key's id lets it be read only.
    assert sql.app("SELECT id FROM api_keys", workspace=other["id"]) == []
    seen = sql.app("SELECT id FROM api_keys", workspace=other["id"], api_key=key["id"])
    assert [str(r["id"]) for r in seen] == [key["id"]]
    assert (
        sql.app(
            "UPDATE api_keys SET revoked_at = now() WHERE id = %s RETURNING id",
            key["id"],
            workspace=other["id"],
            api_key=key["id"],
        )
        == []
    )
    # A value, not an expression of the row: Citus takes no STABLE function of a column in
    # an UPDATE.
    made = datetime.fromisoformat(key["created_at"])
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.owner(
            "UPDATE api_keys SET expires_at = %s WHERE id = %s",
            made + timedelta(days=367),
            key["id"],
            workspace=ws["id"],
        )
