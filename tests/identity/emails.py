"""The emails the identity service queues, read back from the outbox as a mailbox."""

from __future__ import annotations

import re

from tests.sql import Sql


def emailed_tokens(sql: Sql, email: str, page: str) -> list[str]:
    """The tokens of the `page` links (e.g. "/verify-email") emailed to `email`, oldest first."""
    rows = sql.owner(
        "SELECT body FROM outbox_messages WHERE to_email = %s ORDER BY created_at, id", email
    )
    return [m for r in rows for m in re.findall(rf"{page}\?token=([\w-]+)", r["body"])]


def last_token(sql: Sql, email: str, page: str) -> str:
    tokens = emailed_tokens(sql, email, page)
    assert tokens, f"no {page} link was emailed to {email}"
    return tokens[-1]
