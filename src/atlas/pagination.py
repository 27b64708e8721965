"""The list conventions of the API: limit/offset pages with a (capped) total, and
whitelisted sorting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from atlas.db import query
from atlas.errors import Invalid

MAX_LIMIT = 200


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(
        description="Rows matching the filters; with `total_is_capped`, only a lower bound:"
        " more rows than this match."
    )
    total_is_capped: bool = Field(
        default=False,
        description="Whether more rows than `total` match: lists count up to a cap"
        " (10,000) and no further.",
    )
    limit: int
    offset: int


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


async def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")] = 0,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


def page_of(model: type[T], items: list[dict[str, Any]], total: int, page: PageRequest) -> Page[T]:
    """A page of `model`, validated once: cheaper than a model per row. `total` is
    `fetch_page`'s count, where the cap plus one stands for "more than the cap"."""
    page_model: type[Page[T]] = Page[model]  # type: ignore[valid-type]
    capped = total > query.COUNT_CAP
    if capped and 0 < len(items) < page.limit:
        # A short page is the last one: the rows end on it, so their number is known.
        total, capped = page.offset + len(items), False
    return page_model.model_validate(
        {
            "items": items,
            "total": min(total, query.COUNT_CAP) if capped else total,
            "total_is_capped": capped,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


# An async dependency: FastAPI would run a plain function in its thread pool.
PageParams = Annotated[PageRequest, Depends(page_request)]


def order_by(sort: str | None, allowed: dict[str, str], default: str) -> str:
    """An ORDER BY list from `sort` ("name" or "-name", comma-separated) over whitelisted keys.

    `allowed` maps public sort keys to SQL expressions; `id` always breaks ties, so that
    pages are stable.
    """
    parts = []
    for key in (sort or default).split(","):
        key = key.strip()
        descending = key.startswith("-")
        name = key.lstrip("-+")
        if name not in allowed:
            raise Invalid(
                f"Cannot sort by '{name}'. Sort by one of: {', '.join(sorted(allowed))}.",
                details=[{"field": "sort", "message": f"unknown sort key '{name}'"}],
            )
        parts.append(f"{allowed[name]} {'DESC' if descending else 'ASC'}")
    parts.append("id DESC" if (sort or default).startswith("-") else "id ASC")
    return ", ".join(parts)
