"""Small steps shared by the workspace tests: ids from SQL, invitations and tokens via the API."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.factories import Actor, Factory


def tag() -> str:
    return secrets.token_hex(4)


def member_id(factory: Factory, ws: dict[str, Any], user: Actor) -> str:
    rows = factory.sql.owner(
        "SELECT id FROM workspace_members WHERE workspace_id = %s AND user_id = %s",
        ws["id"],
        user.id,
        workspace=ws["id"],
    )
    assert len(rows) == 1
    return str(rows[0]["id"])


def role_of(factory: Factory, ws: dict[str, Any], user: Actor) -> str | None:
    rows = factory.sql.owner(
        "SELECT role FROM workspace_members WHERE workspace_id = %s AND user_id = %s",
        ws["id"],
        user.id,
        workspace=ws["id"],
    )
    return rows[0]["role"] if rows else None


def invitation_row(factory: Factory, ws: dict[str, Any], invitation_id: str) -> dict[str, Any]:
    rows = factory.sql.owner(
        "SELECT * FROM invitations WHERE workspace_id = %s AND id = %s",
        ws["id"],
        invitation_id,
        workspace=ws["id"],
    )
    assert len(rows) == 1
    return rows[0]


def invite(inviter: Actor, ws: dict[str, Any], email: str, role: str = "member") -> dict[str, Any]:
    resp = inviter.post("/api/v1/invitations", ws=ws, json={"email": email, "role": role})
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def workspace_token(actor: Actor, ws: dict[str, Any]) -> str:
    resp = actor.post("/api/v1/auth/workspace-token", json={"workspace": str(ws["id"])})
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session_id(actor: Actor) -> str:
    resp = actor.get("/api/v1/auth/session")
    assert resp.status_code == 200, resp.text
    sid: str = resp.json()["session"]["id"]
    return sid


def error_code(resp: httpx.Response) -> str:
    code: str = resp.json()["error"]["code"]
    return code
