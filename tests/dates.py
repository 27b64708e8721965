"""The business range of dates (1900-01-01 to 2200-12-31), as every module's tests check it.

Each module declares its date fields as `DateField` rows (how to send one date to the API,
where the answer's error names it) and binds the two tests of `range_cases` at top level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.access import Snapshot
from tests.sql import Sql

ACCEPTED = ("1900-01-01", "2200-12-31")
REFUSED = ("1899-12-31", "2201-01-01", "9999-12-31", "0001-01-01")
RANGE_MESSAGE = "must be between 1900-01-01 and 2200-12-31"


@dataclass(frozen=True)
class DateField:
    """One date the API takes: `send(tenant, day)` sends it; `field` is its path in the
    error details; `echo` the answer's key that returns it, if any."""

    name: str
    send: Callable[[Any, str], httpx.Response]
    field: str
    echo: str | None = None

    def __str__(self) -> str:
        return self.name


def check_accepted(row: DateField, tenant: Any) -> None:
    """Both edges of the range are taken, and stored as sent."""
    for day in ACCEPTED:
        resp = row.send(tenant, day)
        assert resp.status_code in (200, 201), f"{day}: {resp.text}"
        if row.echo is not None:
            assert resp.json()[row.echo] == day


def check_refused(row: DateField, tenant: Any) -> None:
    """Days outside the range answer 422 naming the field."""
    for day in REFUSED:
        resp = row.send(tenant, day)
        assert resp.status_code == 422, f"{day}: {resp.status_code} {resp.text}"
        error = resp.json()["error"]
        assert error["code"] == "validation_error", error
        assert {"field": row.field, "message": RANGE_MESSAGE, "type": "date_out_of_range"} in error[
            "details"
        ], error


def range_cases(
    rows: list[DateField], snapshot: Snapshot, refused_only: list[DateField] | None = None
) -> tuple[Callable[..., None], ...]:
    """The two test functions over `rows`; `refused_only` rows are not sent the edges.

    Nothing is written by a refused date: the tenant's rows are unchanged.
    """

    @pytest.mark.parametrize("row", rows, ids=str)
    def test_the_edges_of_the_business_range_are_accepted(tenant_a: Any, row: DateField) -> None:
        check_accepted(row, tenant_a)

    @pytest.mark.parametrize("row", rows + (refused_only or []), ids=str)
    def test_dates_outside_the_business_range_are_refused(
        tenant_a: Any, sql: Sql, row: DateField
    ) -> None:
        before = snapshot(sql, tenant_a.ws)
        check_refused(row, tenant_a)
        assert snapshot(sql, tenant_a.ws) == before

    return (
        test_the_edges_of_the_business_range_are_accepted,
        test_dates_outside_the_business_range_are_refused,
    )
