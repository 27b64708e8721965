"""The books of workspaces from before them: the step `atlas-erp db upgrade` runs after
the migrations.

A workspace made before the general ledger (migration 0011) has no books, and its issued
invoices and payments no journal entries. This step opens the books where they are
missing and posts what they lack (`finance.service.post_missing_entries`).

It is the one loop across workspaces: an operator's step, run as the owner role. Each
workspace is visited in a transaction of its own, inside that workspace's tenant context
(`enter_workspace`), so row-level security still holds every statement to one workspace,
and a workspace that fails leaves the others as they were. What is posted already is
never posted again: a second run posts nothing.
"""

from __future__ import annotations

from atlas.db.pool import connect
from atlas.db.rls import enter_workspace
from atlas.finance import service as finance
from atlas.ledger import service as ledger
from atlas.workspaces import service as workspaces

COUNTS = ("workspaces", "books_opened", "invoices", "payments", "reversals")


async def bring_books_up_to_date(owner_url: str) -> dict[str, int]:
    """Opens and fills the books of every workspace; what it did, counted."""
    counts = dict.fromkeys(COUNTS, 0)
    conn = await connect(owner_url)
    try:
        for workspace_id in await workspaces.all_workspace_ids(conn):
            async with conn.transaction():
                await enter_workspace(conn, workspace_id)
                counts["books_opened"] += await ledger.open_books(conn, workspace_id)
                posted = await finance.post_missing_entries(conn, workspace_id)
            for name, count in posted.items():
                counts[name] += count
            counts["workspaces"] += 1
    finally:
        await conn.close()
    return counts
