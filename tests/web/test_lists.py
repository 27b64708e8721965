"""`pagination.every`: what a page or a service reads of a whole list, past the page size and
the count cap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from atlas.pagination import MAX_LIMIT, Page, PageRequest, every


def _pages_of(rows: list[int], cap: int) -> Callable[[PageRequest], Awaitable[Page[int]]]:
    async def fetch(page: PageRequest) -> Page[int]:
        items = rows[page.offset : page.offset + page.limit]
        capped = len(rows) > cap
        return Page[int](
            items=items,
            total=cap if capped else len(rows),
            total_is_capped=capped,
            limit=page.limit,
            offset=page.offset,
        )

    return fetch


async def test_every_reads_every_page() -> None:
    rows = list(range(2 * MAX_LIMIT + 7))
    assert await every(_pages_of(rows, cap=10_000)) == rows


async def test_every_reads_past_a_capped_total() -> None:
    # The total says "more than 250": only a short page ends the list.
    rows = list(range(3 * MAX_LIMIT))
    assert await every(_pages_of(rows, cap=250)) == rows


async def test_a_list_of_exactly_whole_pages_ends() -> None:
    rows = list(range(2 * MAX_LIMIT))
    assert await every(_pages_of(rows, cap=MAX_LIMIT)) == rows
