"""The global search: the box in the header of every workspace page, its suggestions as
one types, and the full results page, `/w/{ws}/search?q=…`, which works without script.

Both ask `atlas.search.service.search`, the API's function: the suggestions at most
SUGGESTION_LIMIT records of each kind, the page at most PAGE_LIMIT (the API's most).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import Response

from atlas.search import service
from atlas.search.schemas import SearchHit, SearchKind
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

SUGGESTION_LIMIT = 5
PAGE_LIMIT = service.MAX_LIMIT

# Any member searches; each kind is searched only where the member may read it.
WorkspaceRead = Annotated[PageContext, Depends(workspace_page("workspace:read"))]

# Where each kind's record is shown, inside the workspace. Departments have no page of
# their own: their list, narrowed to the department's code.
RECORD_PATHS: dict[SearchKind, Callable[[SearchHit], str]] = {
    SearchKind.projects: lambda hit: f"/projects/{hit.id}",
    SearchKind.tasks: lambda hit: f"/tasks/{hit.id}",
    SearchKind.customers: lambda hit: f"/customers/{hit.id}",
    SearchKind.invoices: lambda hit: f"/invoices/{hit.id}",
    SearchKind.employees: lambda hit: f"/employees/{hit.id}",
    SearchKind.departments: lambda hit: "/departments?" + urlencode({"q": hit.detail}),
}


async def _render(page: PageContext, template: str, q: str | None, limit: int) -> Response:
    text = (q or "").strip()
    results = await service.search(page.ws, page.db, text, (), limit) if text else None
    return await page.render(
        template,
        q=text,
        results=results,
        record_url=lambda hit: page.url(RECORD_PATHS[hit.kind](hit)),
    )


@router.get("/w/{workspace_ref}/search")
async def search_page(page: WorkspaceRead, q: forms.QueryText = None) -> Response:
    return await _render(page, "search/results.html", q, PAGE_LIMIT)


@router.get("/w/{workspace_ref}/search/suggestions")
async def suggestions(page: WorkspaceRead, q: forms.QueryText = None) -> Response:
    """The header box's suggestions as one types (a fragment)."""
    return await _render(page, "search/_suggestions.html", q, SUGGESTION_LIMIT)
