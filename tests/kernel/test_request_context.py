"""`atlas_request_context`, the guard's one statement: the row it answers and every
setting it leaves in the transaction (SET LOCAL, values quoted as literals)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from tests.factories import Actor, Factory
from tests.sql import Sql

SETTINGS = ("user_id", "user_email", "verified_email", "request_id", "client_ip", "workspace_id")


def _guard(sql: Sql, actor: Actor, workspace: str | None) -> tuple[Any, dict[str, Any]]:
    """The guard's row and the settings it left, read in the same transaction."""
    conn = sql.connection("app")
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT * FROM atlas_request_context(%s, NULL, %s, 3600, 3600, %s, %s, NULL)",
            (hashlib.sha256(actor.token.encode()).digest(), workspace, "req-'7", "192.0.2.7"),
        )
        row = cur.fetchone()
        cur.execute(
            "SELECT "
            + ", ".join(f"current_setting('app.{name}', true) AS {name}" for name in SETTINGS)
        )
        settings = cur.fetchone()
    assert settings is not None
    return row, dict(settings)


def test_a_member_gets_the_row_and_every_setting(factory: Factory, sql: Sql) -> None:
    tag = secrets.token_hex(4)
    user = factory.user(email=f"O'Neil-{tag}@Example.com")
    ws = factory.workspace(user)

    row, settings = _guard(sql, user, str(ws["id"]))

    assert row is not None
    assert (row["user_id"], row["workspace_id"], row["workspace_slug"]) == (
        user.id,
        ws["id"],
        ws["slug"],
    )
    assert (row["member_role"], row["role_permissions"]) == ("owner", None)
    email = f"o'neil-{tag}@example.com"
    assert settings == {
        "user_id": str(user.id),
        "user_email": email,
        "verified_email": email,
        "request_id": "req-'7",
        "client_ip": "192.0.2.7",
        "workspace_id": str(ws["id"]),
    }


def test_an_unverified_non_member_gets_no_workspace_setting(factory: Factory, sql: Sql) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    stranger = factory.user(verified=False)

    row, settings = _guard(sql, stranger, ws["slug"])

    assert row is not None
    assert (row["user_id"], row["workspace_id"], row["member_role"]) == (
        stranger.id,
        ws["id"],
        None,
    )
    assert settings["user_email"] == stranger.email.lower()
    assert settings["verified_email"] == ""
    assert settings["workspace_id"] in (None, "")


def test_an_unknown_session_gets_no_row_and_no_setting(factory: Factory, sql: Sql) -> None:
    user = factory.user()
    ended = Actor(user.id, user.email, user.name, "not-a-session-token", user.http)

    row, settings = _guard(sql, ended, None)

    assert row is None
    assert settings["user_id"] in (None, "")
