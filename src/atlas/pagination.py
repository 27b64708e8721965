"""The list conventions of the API: limit/offset pages with a total, and whitelisted sorting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from atlas.errors import Invalid

MAX_LIMIT = 200


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
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
    """A page of `model`, validated once: cheaper than a model per row."""
    page_model: type[Page[T]] = Page[model]  # type: ignore[valid-type]
    return page_model.model_validate(
        {"items": items, "total": total, "limit": page.limit, "offset": page.offset}
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
