"""Request and response bodies of time entries, and what invoicing reads of them.

Hours and rates are `Decimal`: sent and returned as JSON strings ("7.25"); numbers are
accepted on input.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from atlas.validation import BusinessDate, StrictModel, not_null

ShortText = Annotated[str, Field(max_length=2_000)]
Hours = Annotated[Decimal, Field(gt=0, le=24, max_digits=4, decimal_places=2)]
# A cell of the week's grid: 0 is no time, as an empty cell is.
CellHours = Annotated[Decimal, Field(ge=0, le=24, max_digits=4, decimal_places=2)]
Rate = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class TimeEntryCreate(StrictModel):
    employee_id: uuid.UUID | None = Field(
        default=None, description="The caller's own employee record if omitted."
    )
    project_id: uuid.UUID
    task_id: uuid.UUID | None = Field(default=None, description="A task of the same project.")
    entry_date: BusinessDate
    hours: Hours
    description: ShortText = ""
    billable: bool = True
    hourly_rate: Rate | None = None


class TimeEntryUpdate(StrictModel):
    """Only the fields sent change; null clears task_id and hourly_rate."""

    employee_id: Annotated[uuid.UUID | None, AfterValidator(not_null)] = None
    project_id: Annotated[uuid.UUID | None, AfterValidator(not_null)] = None
    task_id: uuid.UUID | None = None
    entry_date: Annotated[BusinessDate | None, AfterValidator(not_null)] = None
    hours: Annotated[Hours | None, AfterValidator(not_null)] = None
    description: Annotated[ShortText | None, AfterValidator(not_null)] = None
    billable: Annotated[bool | None, AfterValidator(not_null)] = None
    hourly_rate: Rate | None = None


class TimeCell(StrictModel):
    """One cell of a week's grid: the hours on one project (and task) on one day."""

    project_id: uuid.UUID
    task_id: uuid.UUID | None = None
    entry_date: BusinessDate
    hours: CellHours | None = Field(default=None, description="None or 0: no time that day.")
    shown: CellHours | None = Field(
        default=None,
        description="The hours the cell showed when the grid was read: a cell whose hours"
        " have changed since is kept as it is now if `hours` is still `shown`, else refused.",
    )


# A week of 50 rows: more than anyone types into one form.
MAX_CELLS = 7 * 50


class TimeCells(StrictModel):
    """The cells of a grid, set together (`timesheets.service.set_cells`)."""

    employee_id: uuid.UUID | None = Field(
        default=None, description="The caller's own employee record if omitted."
    )
    cells: list[TimeCell] = Field(max_length=MAX_CELLS)


class CellsSaved(BaseModel):
    created: int
    updated: int
    deleted: int


class TimeEntry(BaseModel):
    id: uuid.UUID
    employee_id: uuid.UUID
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    entry_date: date
    hours: Decimal
    description: str
    billable: bool
    hourly_rate: Decimal | None
    invoice_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class UninvoicedEntry(BaseModel):
    """A billable entry not yet invoiced, with the names an invoice line is made of."""

    id: uuid.UUID
    hours: Decimal
    hourly_rate: Decimal | None
    task_id: uuid.UUID | None
    employee_id: uuid.UUID
    project_code: str
    task_number: int | None
    task_title: str | None
    first_name: str
    last_name: str


@dataclass(frozen=True)
class TimeEntryFilters:
    """List filters as sent."""

    employee_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    billable: bool | None = None
    invoiced: bool | None = None
    sort: str | None = None
