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
        if not result.items or len(items) >= result.total:
            return items
