"""Reading the audit trail in tests: through the API, and as the owner role in SQL."""

from __future__ import annotations

from typing import Any

from tests.factories import Actor
from tests.sql import Sql

URL = "/api/v1/audit-events"


def events(actor: Actor, ws: dict[str, Any], **params: Any) -> dict[str, Any]:
    """One page of `ws`'s audit events as `actor` sees them (asserts 200)."""
    resp = actor.get(URL, ws=ws, params={"limit": 200, **params})
    assert resp.status_code == 200, resp.text
    page: dict[str, Any] = resp.json()
    return page


def actions(page: dict[str, Any]) -> list[str]:
    return [event["action"] for event in page["items"]]


def only(page: dict[str, Any]) -> dict[str, Any]:
    """The page's one event (asserts there is exactly one)."""
    assert page["total"] == 1, actions(page)
    event: dict[str, Any] = page["items"][0]
    return event


def stored(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    """Every audit row of `ws`, read as the owner role in that workspace."""
    return sql.owner(
        "SELECT * FROM audit_events WHERE workspace_id = %s ORDER BY id",
        ws["id"],
        workspace=ws["id"],
    )
