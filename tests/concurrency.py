"""Many requests at once against the real server, and a finder of cycles left in the data."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.access import error_code
from tests.factories import Actor
from tests.sql import Sql

Call = tuple[str, str, dict[str, Any]]


async def _send_all(
    base_url: str, actor: Actor, ws: dict[str, Any], calls: list[Call]
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(client.request(method, path, json=body) for method, path, body in calls)
        )


def send_concurrently(
    base_url: str, actor: Actor, ws: dict[str, Any], calls: list[Call]
) -> list[httpx.Response]:
    """Every call as its own request, all in flight at once; the answers in call order."""
    return asyncio.run(_send_all(base_url, actor, ws, calls))


def rows_on_a_cycle(sql: Sql, ws: dict[str, Any], table: str, column: str) -> list[str]:
    """The ids of `table`'s rows of `ws` from which following `column` comes back to them."""
    rows = sql.owner(
        # The path is kept by hand: Citus deparses a CYCLE clause wrongly ("looped" is
        # ambiguous on the worker).
        f"""WITH RECURSIVE walk (start_id, id, path) AS (
                SELECT id, {column}, ARRAY[id] FROM {table}
                 WHERE workspace_id = %s AND {column} IS NOT NULL
                UNION ALL
                SELECT w.start_id, t.{column}, w.path || t.id FROM walk w
                  JOIN {table} t ON t.workspace_id = %s AND t.id = w.id
                 WHERE t.{column} IS NOT NULL AND w.id <> w.start_id
                   AND t.id <> ALL (w.path)
            )
            SELECT DISTINCT start_id::text AS id FROM walk WHERE id = start_id ORDER BY 1""",
        ws["id"],
        ws["id"],
        workspace=ws["id"],
    )
    return [row["id"] for row in rows]


def opposing_edits(path: str, field: str, pairs: list[tuple[str, str]]) -> list[Call]:
    """For each pair (a, b): `a` to point at `b` and `b` at `a`, side by side."""
    calls: list[Call] = []
    for a, b in pairs:
        calls.append(("PATCH", f"{path}/{a}", {field: b}))
        calls.append(("PATCH", f"{path}/{b}", {field: a}))
    return calls


def assert_one_of_each_pair_refused(responses: list[httpx.Response], code: str) -> None:
    """Each pair's edits: one accepted, the other refused with the cycle's error `code`."""
    for first, second in zip(responses[::2], responses[1::2], strict=True):
        assert sorted([first.status_code, second.status_code]) == [200, 422], (
            first.text,
            second.text,
        )
    assert {error_code(r) for r in responses if r.status_code != 200} == {code}
