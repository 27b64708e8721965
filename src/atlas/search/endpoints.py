"""The JSON route of the global search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atlas.db.pool import TransactionRoute
from atlas.pagination import REPEATABLE
from atlas.search import service
from atlas.search.schemas import SearchKind, SearchResults
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.validation import choices

# Any member may search; each kind is searched only if the member may read it.
WorkspaceRead = Annotated[WorkspaceContext, Depends(require("workspace:read"))]

router = APIRouter(prefix="/api/v1", tags=["search"], route_class=TransactionRoute)

# The longest text the search takes, as every list's `q`.
MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 5

Text = Annotated[
    str,
    Query(
        max_length=MAX_QUERY_LENGTH,
        description="Words to look for: each must begin a word of the record (`acm` finds"
        " Acme); a task's key (`WEB-12`) finds the task.",
    ),
]
Kinds = Annotated[list[str] | None, Query(description=f"Kinds to search (all). {REPEATABLE}")]
Limit = Annotated[int, Query(ge=1, le=service.MAX_LIMIT, description="The most hits of each kind.")]


@router.get("/search")
async def search(
    ctx: WorkspaceRead, db: Db, q: Text, kinds: Kinds = None, limit: Limit = DEFAULT_LIMIT
) -> SearchResults:
    """The workspace's records of each kind the caller may read whose words start with
    the words of `q`, the best first."""
    chosen = choices(kinds or [], list(SearchKind), "kinds")
    return await service.search(ctx, db, q, [SearchKind(k) for k in chosen], limit)
