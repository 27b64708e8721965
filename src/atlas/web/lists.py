"""Every list as a CSV download.

A list page at `/w/{ws}/things` downloads as `/w/{ws}/things.csv` with the same query
string: its filters and sort apply, its offset and limit do not. The file holds every row
the filters match, read page by page through the service call the page makes and written
as the pages arrive, inside the request's transaction (`StreamingTransactionRoute`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from atlas.clock import business_day
from atlas.db.pool import StreamingTransactionRoute
from atlas.errors import Invalid
from atlas.reporting import Cell, csv_lines
from atlas.web.formats import in_zone
from atlas.web.forms import FormErrors

T = TypeVar("T")
R = TypeVar("R")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """A column of a list's CSV file: its header in plain words, and its cell of a row."""

    header: str
    value: Callable[[R], Cell]


@dataclass(frozen=True, slots=True)
class Named(Generic[T]):
    """A row of a list with the names of what its ids point to (a department, a person)."""

    item: T
    names: Mapping[uuid.UUID, str]

    def name(self, key: uuid.UUID | None) -> str | None:
        return None if key is None else self.names.get(key)


async def named(
    batches: AsyncIterator[list[T]],
    names: Callable[[list[T]], Awaitable[Mapping[uuid.UUID, str]]],
) -> AsyncIterator[list[Named[T]]]:
    """Each page with the names its ids stand for, read once a page as the list page does."""
    async for batch in batches:
        found = await names(batch)
        yield [Named(item, found) for item in batch]


async def download(
    name: str, columns: Sequence[Column[R]], batches: AsyncIterator[Sequence[R]]
) -> StreamingResponse:
    """The rows as the attachment `{name}-{today}.csv`: a header row, then each page's rows
    as it arrives. The first page is read before the answer starts, so that a refused
    filter or sort is the error page rather than a file cut short."""
    first = await anext(batches, None)

    async def body() -> AsyncIterator[str]:
        yield csv_lines([[column.header for column in columns]])
        batch = first
        while batch is not None:
            yield csv_lines([[column.value(row) for column in columns] for row in batch])
            batch = await anext(batches, None)

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{business_day().isoformat()}.csv"'
        },
    )


def csv_route(router: APIRouter, path: str) -> Callable[[Endpoint], Endpoint]:
    """Declares a list's download on its page router: `path` is the list's own address
    with `.csv`, the endpoint takes the list page's access dependency and query, and
    returns `download(…)`; its transaction lasts until the file is sent."""

    def declare(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            response_class=StreamingResponse,
            route_class_override=StreamingTransactionRoute,
        )
        return endpoint

    return declare


def refused(errors: FormErrors) -> Invalid:
    """A list filter the page would show as refused: the download answers the 422 page."""
    return Invalid(" ".join([errors.message, *errors.fields.values()]))


def moment(value: datetime | None, zone: str) -> str | None:
    """A time in the workspace's zone, as the pages show it, in ISO 8601 with its offset."""
    return None if value is None else in_zone(value, zone).isoformat(timespec="seconds")


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
