"""Test data, made through the public API where it matters and through SQL where it is faster.

Every test makes its own users and workspaces, so tests never depend on each other.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from atlas.db.ids import uuid7
from atlas.ledger.chart import DEFAULT_CHART
from tests.identity.emails import last_token
from tests.sql import Sql

PASSWORD = "correct horse battery staple"


@dataclass
class Actor:
    """A signed-in user with an HTTP client that sends their session token."""

    id: uuid.UUID
    email: str
    name: str
    token: str
    http: httpx.Client = field(repr=False)

    def request(
        self,
        method: str,
        path: str,
        *,
        ws: Any = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """`ws` (a workspace dict, id or slug) is sent as X-Workspace-Id."""
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if ws is not None:
            all_headers["X-Workspace-Id"] = str(ws["id"] if isinstance(ws, dict) else ws)
        return self.http.request(method, path, headers=all_headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


class Factory:
    def __init__(self, base_url: str, sql: Sql) -> None:
        self.base_url = base_url
        self.sql = sql
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def user(
        self, name: str | None = None, email: str | None = None, *, verified: bool = True
    ) -> Actor:
        """A new account, signed up through the API and signed in: by following the emailed
        verification link (`verified`), else with its password (the address unverified)."""
        tag = secrets.token_hex(4)
        name = name or f"User {tag}"
        email = email or f"user-{tag}@example.com"
        resp = self.http.post(
            "/api/v1/auth/sign-up", json={"email": email, "password": PASSWORD, "name": name}
        )
        assert resp.status_code == 202, resp.text
        if verified:
            token = last_token(self.sql, email.lower(), "/verify-email")
            resp = self.http.post("/api/v1/auth/verify-email", json={"token": token})
        else:
            resp = self.http.post(
                "/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD}
            )
        assert resp.status_code == 200, resp.text
        self.http.cookies.clear()  # actors send bearer tokens; the shared client stays anonymous
        body = resp.json()
        return Actor(uuid.UUID(body["user"]["id"]), email, name, body["token"], self.http)

    def workspace(self, owner: Actor, name: str | None = None) -> dict[str, Any]:
        """A workspace owned by `owner` (written in SQL: fast, and independent of the API)."""
        tag = secrets.token_hex(4)
        name = name or f"Workspace {tag}"
        ws_id = uuid7()
        row = self.sql.owner(
            "INSERT INTO workspaces (id, name, slug) VALUES (%s, %s, %s) RETURNING *",
            ws_id,
            name,
            f"ws-{tag}",
        )[0]
        self.add_member(row, owner, "owner")
        self.open_books(row)
        return row

    def open_books(self, ws: dict[str, Any]) -> None:
        """The books a new workspace gets (`ledger.service.open_books`): the lock-date row
        and the starting chart of accounts."""
        self.sql.owner(
            "INSERT INTO ledgers (workspace_id, id) VALUES (%s, %s)",
            ws["id"],
            uuid7(),
            workspace=ws["id"],
        )
        ids = {account.code: uuid7() for account in DEFAULT_CHART}
        self.sql.insert_rows(
            "accounts",
            [
                {
                    "workspace_id": ws["id"],
                    "id": ids[a.code],
                    "code": a.code,
                    "name": a.name,
                    "type": a.type,
                    "parent_id": ids[a.parent] if a.parent else None,
                    "is_group": a.is_group,
                    "system_role": a.system_role,
                }
                for a in DEFAULT_CHART
            ],
            returning="id",
            workspace=ws["id"],
        )

    def add_member(self, ws: dict[str, Any], user: Actor, role: str) -> None:
        self.sql.owner(
            "INSERT INTO workspace_members (workspace_id, id, user_id, role)"
            " VALUES (%s, %s, %s, %s)",
            ws["id"],
            uuid7(),
            user.id,
            role,
            workspace=ws["id"],
        )

    def member(self, ws: dict[str, Any], role: str) -> Actor:
        """A new user who is a member of `ws` with `role`."""
        user = self.user()
        self.add_member(ws, user, role)
        return user
