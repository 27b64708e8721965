"""What the financial reports' routes share: the dates and the currency a report is read
for, the format it answers in, and its CSV form.

A report is read in one currency (the workspace's base currency unless named): entries
keep their document's currency and no report adds two currencies together. With
`?format=csv` a report answers its figures as a CSV attachment, one header row, amounts
as plain decimals ("1234.50"), named `<report>-<date>.csv`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Query
from fastapi.responses import Response

from atlas.validation import BusinessDate, Currency


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


AsOf = Annotated[
    BusinessDate | None, Query(description="The day the report is made at; today if omitted.")
]
DateFrom = Annotated[
    BusinessDate | None,
    Query(alias="from", description="The first day; the fiscal year's first day if omitted."),
]
DateTo = Annotated[
    BusinessDate | None, Query(alias="to", description="The last day; today if omitted.")
]
ReportCurrency = Annotated[
    Currency | None,
    Query(description="ISO 4217; the workspace's base currency if omitted."),
]
Format = Annotated[ReportFormat, Query(alias="format", description="json, or csv for a download.")]

# The CSV answer, declared beside the JSON model in the OpenAPI document.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}

Cell = str | Decimal | date | uuid.UUID | int | None

# A text cell a spreadsheet would run as a formula; amounts are never text cells.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Table:
    """A report as rows under one header row; `name` and `on` make its file's name."""

    name: str
    on: date
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


class Tabular(Protocol):
    def table(self) -> Table: ...


R = TypeVar("R", bound=Tabular)


def cell(value: Cell) -> str:
    """A value as a CSV cell: amounts as plain decimals, dates in ISO 8601, and text that a
    spreadsheet would run as a formula behind a quote (`'=1+2`)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_lines(rows: Iterable[Sequence[Cell]]) -> str:
    """Rows as CSV lines (CRLF), each value a `cell`."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def csv_text(table: Table) -> str:
    """The header row, then each row padded to the header's width."""
    width = len(table.header)
    return csv_lines(
        [table.header, *(list(row) + [None] * (width - len(row)) for row in table.rows)]
    )


def answer(report: R, output: ReportFormat) -> R | Response:
    """The report as its JSON model, or its table as a CSV attachment."""
    if output is ReportFormat.JSON:
        return report
    table = report.table()
    return Response(
        content=csv_text(table),
        media_type="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={table.name}-{table.on.isoformat()}.csv"
        },
    )
