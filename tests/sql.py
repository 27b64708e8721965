"""Raw SQL for tests, as the owner role or as the app role, with an optional tenant context."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row


class Sql:
    def __init__(self, owner_url: str, app_url: str) -> None:
        self._urls = {"owner": owner_url, "app": app_url}
        self._conns: dict[str, psycopg.Connection[dict[str, Any]]] = {}

    def connection(self, role: str) -> psycopg.Connection[dict[str, Any]]:
        if role not in self._conns or self._conns[role].closed:
            self._conns[role] = psycopg.connect(self._urls[role], row_factory=dict_row)
        return self._conns[role]

    def run(
        self,
        role: str,
        query: str,
        *params: Any,
        workspace: uuid.UUID | str | None = None,
        user: uuid.UUID | str | None = None,
        email: str | None = None,
    ) -> list[dict[str, Any]]:
        """Runs one statement in its own transaction; raises what PostgreSQL raises."""
        conn = self.connection(role)
        with conn.transaction(), conn.cursor() as cur:
            if workspace is not None:
                cur.execute("SELECT set_config('app.workspace_id', %s, true)", (str(workspace),))
            if user is not None:
                cur.execute("SELECT set_config('app.user_id', %s, true)", (str(user),))
            if email is not None:
                cur.execute("SELECT set_config('app.verified_email', %s, true)", (email,))
            cur.execute(query, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def owner(self, query: str, *params: Any, **context: Any) -> list[dict[str, Any]]:
        return self.run("owner", query, *params, **context)

    def app(self, query: str, *params: Any, **context: Any) -> list[dict[str, Any]]:
        return self.run("app", query, *params, **context)

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
