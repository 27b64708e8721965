"""The list conventions of the API: limit/offset pages with a (capped) total, whitelisted
sorting, and the query parameters every list shares (`q`, `sort`, a repeatable `status`)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from atlas.db import query
from atlas.errors import Invalid

MAX_LIMIT = 200


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


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

    def __class_getitem__(cls, params: Any) -> Any:
        """`Page[Project]` is the model `ProjectPage`, by that name in the OpenAPI document
        and generated clients: pydantic names a parametrized generic's schema from its
        origin (`Page_Project_`), a subclass's from the subclass."""
        page = super().__class_getitem__(params)
        if not isinstance(page, type) or page.__pydantic_generic_metadata__["parameters"]:
            return page  # still generic, as `Page[T]` is, or a recursive reference
        return _named_page(page)


@functools.cache
def _named_page(page: type[Page[Any]]) -> type[Page[Any]]:
    (item,) = page.__pydantic_generic_metadata__["args"]
    name = f"{item.__name__}Page"
    return type(name, (page,), {"__module__": __name__, "__qualname__": name, "__doc__": None})


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


class Paged(Protocol[T_co]):
    """What is read of a service's `Page` (read-only, so that a page of employees with
    their salaries is a page of employees)."""

    @property
    def items(self) -> Sequence[T_co]: ...
    @property
    def total(self) -> int: ...
    @property
    def total_is_capped(self) -> bool: ...
    @property
    def limit(self) -> int: ...


Fetch = Callable[[PageRequest], Awaitable[Paged[T]]]


async def pages(fetch: Fetch[T]) -> AsyncIterator[list[T]]:
    """Each page of a paged service list in turn, at the largest page size, to the last."""
    read = 0
    while True:
        result = await fetch(PageRequest(limit=MAX_LIMIT, offset=read))
        read += len(result.items)
        yield list(result.items)
        # Past the count cap the total is only a lower bound: a short page is the last one.
        if len(result.items) < result.limit or (
            not result.total_is_capped and read >= result.total
        ):
            return


async def every(fetch: Fetch[T]) -> list[T]:
    """Every item of a paged service list, page after page."""
    return [item async for items in pages(fetch) for item in items]


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

# The filters every list names alike; each endpoint's docstring names its sort keys and
# what `q` searches. A repeatable filter is split on commas by `validation.choices`.
REPEATABLE = "Repeat the parameter or separate values with commas."
Search = Annotated[
    str | None, Query(max_length=200, description="Case-insensitive text to look for.")
]
Sort = Annotated[
    str | None,
    Query(max_length=200, description="Sort keys, comma-separated; '-' sorts descending."),
]
Statuses = Annotated[list[str] | None, Query(alias="status", description=REPEATABLE)]


def order_by(
    sort: str | None, allowed: dict[str, str], default: str, tiebreak: str | None = None
) -> str:
    """An ORDER BY list from `sort` ("name" or "-name", comma-separated) over whitelisted keys.

    `allowed` maps public sort keys to SQL expressions. Ties are broken so that pages are
    stable: by `id` in the direction of the first key, or by `tiebreak`, an ORDER BY tail
    that is unique in the source, for a source whose rows are not all identified by an id.
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
    if tiebreak is None:
        tiebreak = "id DESC" if (sort or default).startswith("-") else "id ASC"
    parts.append(tiebreak)
    return ", ".join(parts)
