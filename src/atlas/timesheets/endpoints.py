"""JSON routes of the timesheets module: time entries.

The workspace comes from the auth context (workspace token, X-Workspace-Id, or the
session's active workspace), never from the URL; an id of another workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atlas.db.pool import TransactionRoute
from atlas.pagination import Page, PageParams, Sort
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.timesheets import schemas, service
from atlas.validation import BusinessDate

TimeRead = Annotated[WorkspaceContext, Depends(require("time:read"))]
# One's own entries; the service also lets `time:manage` holders write anyone's.
TimeWrite = Annotated[WorkspaceContext, Depends(require("time:write"))]

router = APIRouter(prefix="/api/v1", tags=["timesheets"], route_class=TransactionRoute)

DateFrom = Annotated[BusinessDate | None, Query(alias="from", description="On or after this date.")]
DateTo = Annotated[BusinessDate | None, Query(alias="to", description="On or before this date.")]


@router.post("/time-entries", status_code=status.HTTP_201_CREATED)
async def create_time_entry(
    data: schemas.TimeEntryCreate, ctx: TimeWrite, db: Db
) -> schemas.TimeEntry:
    """Record time: one's own (the default), or anyone's with time:manage."""
    return await service.create_time_entry(ctx, db, data)


@router.get("/time-entries")
async def list_time_entries(
    ctx: TimeRead,
    db: Db,
    page: PageParams,
    employee_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    billable: bool | None = None,
    invoiced: bool | None = None,
    sort: Sort = None,
) -> Page[schemas.TimeEntry]:
    """Time entries; sort by entry_date (default: latest first), hours or created_at."""
    filters = schemas.TimeEntryFilters(
        employee_id=employee_id,
        project_id=project_id,
        date_from=date_from,
        date_to=date_to,
        billable=billable,
        invoiced=invoiced,
        sort=sort,
    )
    return await service.list_time_entries(ctx, db, filters, page)


@router.get("/time-entries/{entry_id}")
async def get_time_entry(entry_id: uuid.UUID, ctx: TimeRead, db: Db) -> schemas.TimeEntry:
    return await service.get_time_entry(ctx, db, entry_id)


@router.patch("/time-entries/{entry_id}")
async def update_time_entry(
    entry_id: uuid.UUID, data: schemas.TimeEntryUpdate, ctx: TimeWrite, db: Db
) -> schemas.TimeEntry:
    """Change an entry not yet invoiced (409 time_entry_invoiced otherwise)."""
    return await service.update_time_entry(ctx, db, entry_id, data)


@router.delete("/time-entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_time_entry(entry_id: uuid.UUID, ctx: TimeWrite, db: Db) -> None:
    """Delete an entry not yet invoiced (409 time_entry_invoiced otherwise)."""
    await service.delete_time_entry(ctx, db, entry_id)
