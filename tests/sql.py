"""Raw SQL for tests, as the owner role or as the app role, with an optional tenant context."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from atlas.db.pool import CONTEXT_PROPAGATION

PROPAGATION_OPTIONS = " ".join(f"-c {name}={value}" for name, value in CONTEXT_PROPAGATION.items())


def set_context(cur: psycopg.Cursor[Any], **settings: object) -> None:
    """The transaction's `app.*` settings, with SET LOCAL as the guard makes them (Citus
    carries SET LOCAL to the workers); a None value is left unset."""
    for name, value in settings.items():
        if value is not None:
            cur.execute(
                sql.SQL("SET LOCAL {} = {}").format(
                    sql.Identifier("app", name), sql.Literal(str(value))
                )
            )


class Sql:
    def __init__(self, owner_url: str, app_url: str) -> None:
        self._urls = {"owner": owner_url, "app": app_url}
        self._conns: dict[str, psycopg.Connection[dict[str, Any]]] = {}

    def connection(self, role: str) -> psycopg.Connection[dict[str, Any]]:
        if role not in self._conns or self._conns[role].closed:
            self._conns[role] = self.new_connection(role)
        return self._conns[role]

    def new_connection(self, role: str) -> psycopg.Connection[dict[str, Any]]:
        """A connection of its own (the caller closes it): for a second, concurrent
        transaction."""
        return psycopg.connect(self._urls[role], row_factory=dict_row, options=PROPAGATION_OPTIONS)

    def run(
        self,
        role: str,
        query: str,
        *params: Any,
        workspace: uuid.UUID | str | None = None,
        user: uuid.UUID | str | None = None,
        email: str | None = None,
        api_key: uuid.UUID | str | None = None,
    ) -> list[dict[str, Any]]:
        """Runs one statement in its own transaction; raises what PostgreSQL raises."""
        conn = self.connection(role)
        with conn.transaction(), conn.cursor() as cur:
            set_context(
                cur, workspace_id=workspace, user_id=user, verified_email=email, api_key_id=api_key
            )
            cur.execute(query, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def insert_rows(
        self,
        table: str,
        rows: list[dict[str, Any]],
        *,
        returning: str,
        workspace: uuid.UUID | str,
    ) -> list[dict[str, Any]]:
        """Rows inserted as the owner in one multi-row VALUES (Citus refuses sub-selects in
        VALUES and runs INSERT ... SELECT FROM unnest() as COPY, which RLS forbids)."""
        columns = list(rows[0])
        statement = sql.SQL("INSERT INTO {} ({}) VALUES {} RETURNING {}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(
                sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
                for _ in rows
            ),
            sql.SQL(returning),
        )
        params = [row[column] for row in rows for column in columns]
        return self.run("owner", statement.as_string(), *params, workspace=workspace)

    def owner(self, query: str, *params: Any, **context: Any) -> list[dict[str, Any]]:
        return self.run("owner", query, *params, **context)

    def app(self, query: str, *params: Any, **context: Any) -> list[dict[str, Any]]:
        return self.run("app", query, *params, **context)

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
