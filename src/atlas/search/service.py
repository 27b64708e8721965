"""The global search: asks each readable kind's module for its best matches.

Every module finds its own rows (`search_projects`, `search_customers`, ...: PostgreSQL
text search on an index per table, atlas.db.textsearch); this one only chooses the
kinds the caller may read and turns the records into hits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

import asyncpg

from atlas.finance import service as finance
from atlas.hr import service as hr
from atlas.projects import service as projects
from atlas.search.schemas import SearchGroup, SearchHit, SearchKind, SearchResults
from atlas.tenancy.context import WorkspaceContext

# The most hits of one kind an answer holds (the full results page shows this many).
MAX_LIMIT = 20

# The permission that reads each kind: kinds the caller may not read are not searched.
KIND_PERMISSIONS: dict[SearchKind, str] = {
    SearchKind.projects: "projects:read",
    SearchKind.tasks: "tasks:read",
    SearchKind.customers: "customers:read",
    SearchKind.invoices: "invoices:read",
    SearchKind.employees: "employees:read",
    SearchKind.departments: "departments:read",
}

Searcher = Callable[[WorkspaceContext, asyncpg.Connection, str, int], Awaitable[list[SearchHit]]]


async def _projects(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await projects.search_projects(ctx, db, text, limit)
    return [
        SearchHit(kind=SearchKind.projects, id=p.id, label=p.name, detail=p.code) for p in found
    ]


async def _tasks(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await projects.search_tasks(ctx, db, text, limit)
    return [SearchHit(kind=SearchKind.tasks, id=t.id, label=t.title, detail=t.key) for t in found]


async def _customers(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await finance.search_customers(ctx, db, text, limit)
    return [
        SearchHit(kind=SearchKind.customers, id=c.id, label=c.name, detail=c.email or "")
        for c in found
    ]


async def _invoices(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await finance.search_invoices(ctx, db, text, limit)
    return [
        SearchHit(
            kind=SearchKind.invoices,
            id=i.id,
            label=i.number or "Draft invoice",
            detail=i.customer_name,
        )
        for i in found
    ]


async def _employees(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await hr.search_employees(ctx, db, text, limit)
    return [
        SearchHit(
            kind=SearchKind.employees,
            id=e.id,
            label=f"{e.first_name} {e.last_name}",
            detail=e.work_email,
        )
        for e in found
    ]


async def _departments(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[SearchHit]:
    found = await hr.search_departments(ctx, db, text, limit)
    return [
        SearchHit(kind=SearchKind.departments, id=d.id, label=d.name, detail=d.code) for d in found
    ]


SEARCHERS: dict[SearchKind, Searcher] = {
    SearchKind.projects: _projects,
    SearchKind.tasks: _tasks,
    SearchKind.customers: _customers,
    SearchKind.invoices: _invoices,
    SearchKind.employees: _employees,
    SearchKind.departments: _departments,
}


def readable_kinds(ctx: WorkspaceContext) -> list[SearchKind]:
    """The kinds the caller may read, in the answer's order."""
    return [kind for kind in SearchKind if ctx.can(KIND_PERMISSIONS[kind])]


async def search(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    text: str,
    kinds: Collection[SearchKind],
    limit: int,
) -> SearchResults:
    """At most `limit` (1 to MAX_LIMIT) hits of each of `kinds` (all when empty) that the
    caller may read, whose words start with the words of `text`."""
    text = text.strip()
    groups = []
    for kind in readable_kinds(ctx):
        if kinds and kind not in kinds:
            continue
        # One more than shown says whether there are more.
        hits = await SEARCHERS[kind](ctx, db, text, limit + 1)
        groups.append(SearchGroup(kind=kind, hits=hits[:limit], more=len(hits) > limit))
    return SearchResults(q=text, groups=groups)
