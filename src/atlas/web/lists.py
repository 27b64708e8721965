"""What the pages read of the services' paged lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from atlas.pagination import MAX_LIMIT, Page, PageRequest

T = TypeVar("T")


async def every(fetch: Callable[[PageRequest], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged service list, page after page."""
    items: list[T] = []
    while True:
        result = await fetch(PageRequest(limit=MAX_LIMIT, offset=len(items)))
        items.extend(result.items)
        # Past the count cap the total is only a lower bound: a short page is the last one.
        if len(result.items) < result.limit or (
            not result.total_is_capped and len(items) >= result.total
        ):
            return items
