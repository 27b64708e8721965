"""Time entries: the rules, over a repository built for the caller's workspace.

Members record their own time (as the employee linked to their membership), time managers
anyone's; an employee's day holds at most 24 hours, checked with the employee's row
locked. Entries on an invoice are frozen: finance takes the uninvoiced ones for a draft,
marks them invoiced and releases them when the invoice is deleted or voided.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.errors import AtlasError, Conflict, Forbidden, Invalid, NotFound
from atlas.hr import service as hr
from atlas.pagination import Page, PageRequest, every, page_of
from atlas.projects import service as projects
from atlas.tenancy.context import WorkspaceContext
from atlas.timesheets import schemas
from atlas.timesheets.repository import TimeEntriesRepository
from atlas.validation import constraint_errors, invalid

MAX_HOURS_PER_DAY = Decimal(24)

# Constraint name (see tables.py and the naming convention) -> the API error it means.
CONSTRAINT_ERRORS: dict[str, Callable[[], AtlasError]] = {
    "fk_time_entries_workspace_id_employee_id_employees": lambda: invalid(
        "There is no such employee in this workspace.",
        "employee_id",
        "not an employee of this workspace",
        code="employee_not_found",
    ),
    "fk_time_entries_workspace_id_project_id_projects": lambda: invalid(
        "There is no such project in this workspace.",
        "project_id",
        "not a project of this workspace",
        code="project_not_found",
    ),
    "fk_time_entries_workspace_id_project_id_task_id_tasks": lambda: invalid(
        "The task is not a task of the entry's project.",
        "task_id",
        "not a task of this project",
        code="task_not_in_project",
    ),
}


def _not_yours() -> Forbidden:
    return Forbidden(
        "You may only record your own time; 'time:manage' is needed for others' entries.",
        code="permission_denied",
    )


async def _check_employee(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID
) -> None:
    """Without time:manage, only one's own linked employee."""
    if not ctx.can("time:manage") and employee_id != await hr.own_employee_id(ctx, db):
        raise _not_yours()


async def _employee_for(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID | None
) -> uuid.UUID:
    """The employee named, if the caller may record their time, else the caller's own."""
    if employee_id is not None:
        await _check_employee(ctx, db, employee_id)
        return employee_id
    own = await hr.own_employee_id(ctx, db)
    if own is None:
        raise invalid(
            "You have no employee record in this workspace; name the employee.",
            "employee_id",
            "required: the caller has no linked employee",
            code="no_linked_employee",
        )
    return own


async def _check_day(
    ctx: WorkspaceContext,
    repo: TimeEntriesRepository,
    employee_id: uuid.UUID,
    entry_date: date,
    hours: Decimal,
    excluding: uuid.UUID | None,
) -> None:
    """At most 24 hours a day per employee, checked under the employee's row lock."""
    if not await hr.lock_employee(ctx, repo.db, employee_id):
        raise CONSTRAINT_ERRORS["fk_time_entries_workspace_id_employee_id_employees"]()
    booked = await repo.hours_on(employee_id, entry_date, excluding=excluding)
    if booked + hours > MAX_HOURS_PER_DAY:
        raise invalid(
            f"The employee already has {booked} hours on {entry_date}; a day holds at most 24.",
            "hours",
            f"at most {MAX_HOURS_PER_DAY - booked} more hours on this day",
            code="daily_hours_exceeded",
        )


async def create_time_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.TimeEntryCreate
) -> schemas.TimeEntry:
    repo = TimeEntriesRepository(db, ctx.workspace_id)
    employee_id = await _employee_for(ctx, db, data.employee_id)
    await _check_day(ctx, repo, employee_id, data.entry_date, data.hours, excluding=None)
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await repo.create(**{**data.model_dump(), "employee_id": employee_id})
    return schemas.TimeEntry.model_validate(dict(row))


async def list_time_entries(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.TimeEntryFilters,
    page: PageRequest,
) -> Page[schemas.TimeEntry]:
    rows, total = await TimeEntriesRepository(db, ctx.workspace_id).list(
        employee_id=filters.employee_id,
        project_id=filters.project_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        billable=filters.billable,
        invoiced=filters.invoiced,
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.TimeEntry, [dict(r) for r in rows], total, page)


async def get_time_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, entry_id: uuid.UUID
) -> schemas.TimeEntry:
    row = await TimeEntriesRepository(db, ctx.workspace_id).get(entry_id)
    if row is None:
        raise NotFound("Time entry not found.")
    return schemas.TimeEntry.model_validate(dict(row))


async def _changeable_entry(
    ctx: WorkspaceContext, repo: TimeEntriesRepository, entry_id: uuid.UUID
) -> asyncpg.Record:
    """The entry, locked, if the caller may change it and it is not invoiced."""
    row = await repo.get(entry_id, for_update=True)
    if row is None:
        raise NotFound("Time entry not found.")
    await _check_employee(ctx, repo.db, row["employee_id"])
    if row["invoice_id"] is not None:
        raise Conflict(
            "The time entry is on an invoice and can no longer change.",
            code="time_entry_invoiced",
        )
    return row


async def update_time_entry(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    entry_id: uuid.UUID,
    data: schemas.TimeEntryUpdate,
) -> schemas.TimeEntry:
    repo = TimeEntriesRepository(db, ctx.workspace_id)
    row = await _changeable_entry(ctx, repo, entry_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not changes:
        return schemas.TimeEntry.model_validate(dict(row))
    employee_id: uuid.UUID = changes.get("employee_id", row["employee_id"])
    if employee_id != row["employee_id"]:
        await _check_employee(ctx, db, employee_id)
    if {"employee_id", "entry_date", "hours"} & changes.keys():
        await _check_day(
            ctx,
            repo,
            employee_id,
            changes.get("entry_date", row["entry_date"]),
            changes.get("hours", row["hours"]),
            excluding=entry_id,
        )
    with constraint_errors(CONSTRAINT_ERRORS):
        updated = await repo.update(entry_id, changes)
    return schemas.TimeEntry.model_validate(dict(updated))


async def delete_time_entry(
    ctx: WorkspaceContext, db: asyncpg.Connection, entry_id: uuid.UUID
) -> None:
    repo = TimeEntriesRepository(db, ctx.workspace_id)
    await _changeable_entry(ctx, repo, entry_id)
    await repo.delete(entry_id)


def day_label(day: date) -> str:
    """A day as a week's grid names it: "Tue 1 Dec"."""
    return f"{day:%a} {day.day} {day:%b}"


CellKey = tuple[uuid.UUID, uuid.UUID | None, date]


async def set_cells(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.TimeCells
) -> schemas.CellsSaved:
    """Gives each cell of a week's grid its hours, through the one-entry rules above.

    A cell is the employee's entries of one project, task and day. Empty, it gets a new
    entry; holding one entry, that entry takes the hours (none: it is deleted). A cell of
    several entries, or of an invoiced one, cannot change here (its entries can, one by
    one). A cell whose entries have changed since the grid showed it (`shown`) keeps them
    when left as shown, and is refused when typed into. Every refusal names its cell
    (`cells.N.hours`), and a day past 24 hours names each of its cells; nothing is written
    then.
    """
    employee_id = await _employee_for(ctx, db, data.employee_id)
    if not data.cells:
        return schemas.CellsSaved(created=0, updated=0, deleted=0)
    if not await hr.lock_employee(ctx, db, employee_id):
        raise CONSTRAINT_ERRORS["fk_time_entries_workspace_id_employee_id_employees"]()
    keys: list[CellKey] = [(c.project_id, c.task_id, c.entry_date) for c in data.cells]
    if len(set(keys)) < len(keys):
        raise invalid(
            "A project, task and day may only appear once.", "cells", "a cell appears twice"
        )
    filters = schemas.TimeEntryFilters(
        employee_id=employee_id,
        date_from=min(c.entry_date for c in data.cells),
        date_to=max(c.entry_date for c in data.cells),
    )
    entries = await every(lambda p: list_time_entries(ctx, db, filters, p))
    held: dict[CellKey, list[schemas.TimeEntry]] = {}
    booked: dict[date, Decimal] = {}
    for entry in entries:
        held.setdefault((entry.project_id, entry.task_id, entry.entry_date), []).append(entry)
        booked[entry.entry_date] = booked.get(entry.entry_date, Decimal(0)) + entry.hours
    cell_errors: list[dict[str, str]] = []
    changes: list[tuple[Decimal, Decimal, schemas.TimeCell, list[schemas.TimeEntry]]] = []
    for n, (key, cell) in enumerate(zip(keys, data.cells, strict=True)):
        existing = held.get(key, [])
        wanted = cell.hours or Decimal(0)
        current = sum((e.hours for e in existing), Decimal(0))
        # Changed by someone else since the grid was read: kept unless typed over.
        stale = cell.shown is not None and cell.shown != current
        change = wanted - current
        if not change or (stale and wanted == cell.shown):
            continue
        if len(existing) > 1 or any(e.invoice_id for e in existing):
            message = "holds several entries or an invoiced one: change them one by one"
        elif stale:
            message = (
                f"changed to {current} hours since the timesheet was opened:"
                " check it and type again"
            )
        else:
            booked[cell.entry_date] = booked.get(cell.entry_date, Decimal(0)) + change
            changes.append((change, wanted, cell, existing))
            continue
        cell_errors.append({"field": f"cells.{n}.hours", "message": message})
    day_errors = [
        {
            "field": f"cells.{n}.hours",
            "message": f"Hours for {day_label(cell.entry_date)} must be"
            f" {MAX_HOURS_PER_DAY} or less in total",
        }
        for n, cell in enumerate(data.cells)
        if booked.get(cell.entry_date, Decimal(0)) > MAX_HOURS_PER_DAY
    ]
    if cell_errors or day_errors:
        raise Invalid(
            "Nothing was saved: please correct the cells marked.",
            code="validation_error" if cell_errors else "daily_hours_exceeded",
            details=cell_errors + day_errors,
        )
    # Less time first: on the way to the new hours a day never holds more than at the end.
    changes.sort(key=lambda c: c[0])
    saved = {"created": 0, "updated": 0, "deleted": 0}
    for _, wanted, cell, existing in changes:
        if not existing:
            create = schemas.TimeEntryCreate(
                employee_id=employee_id,
                project_id=cell.project_id,
                task_id=cell.task_id,
                entry_date=cell.entry_date,
                hours=wanted,
            )
            await create_time_entry(ctx, db, create)
            saved["created"] += 1
        elif wanted:
            update = schemas.TimeEntryUpdate(hours=wanted)
            await update_time_entry(ctx, db, existing[0].id, update)
            saved["updated"] += 1
        else:
            await delete_time_entry(ctx, db, existing[0].id)
            saved["deleted"] += 1
    return schemas.CellsSaved(**saved)


# What invoicing does with time: take the uninvoiced entries, mark them, release them.


async def take_uninvoiced(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    project_id: uuid.UUID,
    date_from: date,
    date_to: date,
) -> list[schemas.UninvoicedEntry]:
    """The project's billable entries in the range that are on no invoice yet, locked
    until the transaction ends (422 `project_not_found` for a project not in the
    workspace)."""
    if not await projects.project_exists(ctx, db, project_id):
        raise CONSTRAINT_ERRORS["fk_time_entries_workspace_id_project_id_projects"]()
    rows = await TimeEntriesRepository(db, ctx.workspace_id).uninvoiced(
        project_id, date_from, date_to
    )
    return [schemas.UninvoicedEntry.model_validate(dict(r)) for r in rows]


async def mark_invoiced(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    entry_ids: Sequence[uuid.UUID],
    invoice_id: uuid.UUID,
) -> None:
    """Puts the entries on the invoice: from now on they are frozen."""
    await TimeEntriesRepository(db, ctx.workspace_id).mark_invoiced(entry_ids, invoice_id)


async def release_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> None:
    """Frees the entries of a deleted or voided invoice, to be invoiced again."""
    await TimeEntriesRepository(db, ctx.workspace_id).release_invoice(invoice_id)
