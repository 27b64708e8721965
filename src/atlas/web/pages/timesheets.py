"""Pages of time tracking: the weekly timesheet, a grid of hours per task and day that one
form saves, and the week's entries, each edited in place."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from atlas.clock import business_day
from atlas.errors import Invalid, NotFound
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.pagination import Page, PageRequest, every, pages
from atlas.projects import schemas as project_schemas
from atlas.projects import service as projects
from atlas.timesheets import schemas as timesheets_schemas
from atlas.timesheets import service as timesheets
from atlas.validation import FIRST_BUSINESS_DATE, LAST_BUSINESS_DATE, BusinessDate
from atlas.web import forms, lists
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.pages import choices
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

TimeRead = Annotated[PageContext, Depends(workspace_page("time:read"))]
TimeWrite = Annotated[PageContext, Depends(workspace_page("time:write"))]

# More rows than this in one posted grid is no typing: the form is refused.
MAX_ROWS = timesheets_schemas.MAX_CELLS // 7

RowKey = tuple[uuid.UUID, uuid.UUID | None]


@dataclass
class Cell:
    """One day of a row: its entries' hours, and what the form shows (typed or stored)."""

    day: date
    hours: Decimal = Decimal(0)
    entries: int = 0
    invoiced: bool = False
    value: str = ""
    # Typed into a posted grid: shown as typed, whatever the cell holds now.
    typed: bool = False
    # The hours the posted grid showed in the cell when it was read.
    shown: str | None = None
    error: str | None = None

    @property
    def editable(self) -> bool:
        """A cell of one entry at most, not invoiced, on a day an entry may have; the
        others change entry by entry, in the list below the grid."""
        return self.typed or (
            self.entries <= 1
            and not self.invoiced
            and FIRST_BUSINESS_DATE <= self.day <= LAST_BUSINESS_DATE
        )

    @property
    def amount(self) -> Decimal:
        """The hours shown: what was typed, where it is a number."""
        if not self.editable or not self.value:
            return self.hours
        try:
            typed = Decimal(self.value)
        except InvalidOperation:
            return Decimal(0)
        return typed if typed.is_finite() else Decimal(0)


@dataclass
class GridRow:
    """One project (and task) of the week: a cell per day, Monday first."""

    project_id: uuid.UUID
    task_id: uuid.UUID | None
    project: str
    task: str | None
    # What a cell's label names the row by: the task's key, else the project's code.
    key: str
    order: tuple[str, int]
    cells: list[Cell]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cells), Decimal(0))


@dataclass
class Week:
    monday: date
    rows: list[GridRow]
    entries: list[timesheets_schemas.TimeEntry]
    # The code of each project the entries name.
    project_codes: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((r.cells[n].amount for r in self.rows), Decimal(0)) for n in range(7)]

    @property
    def total(self) -> Decimal:
        return sum(self.totals, Decimal(0))

    def row(self, key: RowKey) -> GridRow | None:
        return next((r for r in self.rows if (r.project_id, r.task_id) == key), None)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _timesheet_url(page: PageContext, employee_id: uuid.UUID | None, day: date) -> str:
    whose = f"employee={employee_id}&" if employee_id else ""
    return page.url(f"/timesheet?{whose}week={day.isoformat()}")


def _employee_name(employee: hr_schemas.Employee) -> str:
    return f"{employee.first_name} {employee.last_name}"


async def _employees(page: PageContext) -> list[hr_schemas.Employee]:
    """The workspace's employees, when the caller may see them."""
    if not page.ws.can("employees:read"):
        return []

    async def fetch(paging: PageRequest) -> Page[hr_schemas.Employee]:
        result = await hr.list_employees(page.ws, page.db, hr_schemas.EmployeeFilters(), paging)
        return Page[hr_schemas.Employee].model_validate(result.model_dump())

    return await every(fetch)


async def _chosen_employee(
    page: PageContext, employees: Sequence[hr_schemas.Employee], employee_id: uuid.UUID | None
) -> hr_schemas.Employee | None:
    """The employee named in the URL, else the caller's own, else the first one."""
    if employee_id is not None:
        return await hr.get_employee(page.ws, page.db, employee_id)
    own_id = await hr.own_employee_id(page.ws, page.db)
    own = [e for e in employees if e.id == own_id]
    candidates = own or employees
    return candidates[0] if candidates else None


async def _may_edit(page: PageContext, employee: hr_schemas.Employee | None) -> bool:
    """What the service lets the caller write: their own time, anyone's with time:manage."""
    if employee is None or not page.ws.can("time:write"):
        return False
    return page.ws.can("time:manage") or employee.id == await hr.own_employee_id(page.ws, page.db)


class _Names:
    """The projects and tasks a week names, each read once."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.projects: dict[uuid.UUID, project_schemas.Project] = {}
        self.tasks: dict[uuid.UUID, project_schemas.Task] = {}

    async def row(self, key: RowKey, monday: date) -> GridRow:
        project_id, task_id = key
        if project_id not in self.projects:
            self.projects[project_id] = await projects.get_project(
                self.page.ws, self.page.db, project_id
            )
        project = self.projects[project_id]
        task = None
        if task_id is not None:
            if task_id not in self.tasks:
                self.tasks[task_id] = await projects.get_task(self.page.ws, self.page.db, task_id)
            task = self.tasks[task_id]
            if task.project_id != project_id:
                raise Invalid(
                    self.page._(
                        "Task %(key)s is not a task of project %(code)s.",
                        key=task.key,
                        code=project.code,
                    )
                )
        return GridRow(
            project_id=project_id,
            task_id=task_id,
            project=f"{project.code} · {project.name}",
            task=f"{task.key} {task.title}" if task else None,
            key=task.key if task else project.code,
            order=(project.code, task.number if task else 0),
            cells=[Cell(monday + timedelta(days=n)) for n in range(7)],
        )


def _week_filters(employee_id: uuid.UUID, monday: date) -> timesheets_schemas.TimeEntryFilters:
    """The employee's entries of the week that starts on `monday`, by day."""
    return timesheets_schemas.TimeEntryFilters(
        employee_id=employee_id,
        date_from=monday,
        date_to=monday + timedelta(days=6),
        sort="entry_date",
    )


async def _week(
    page: PageContext, employee_id: uuid.UUID | None, monday: date, names: _Names
) -> Week:
    """The employee's entries of the week, summed per project and task and per day."""
    if employee_id is None:
        return Week(monday, [], [])
    filters = _week_filters(employee_id, monday)
    entries = await every(lambda p: timesheets.list_time_entries(page.ws, page.db, filters, p))
    rows: dict[RowKey, GridRow] = {}
    for entry in entries:
        key = (entry.project_id, entry.task_id)
        if key not in rows:
            rows[key] = await names.row(key, monday)
        cell = rows[key].cells[entry.entry_date.weekday()]
        cell.hours += entry.hours
        cell.entries += 1
        cell.invoiced = cell.invoiced or entry.invoice_id is not None
    for row in rows.values():
        for cell in row.cells:
            cell.value = str(cell.hours) if cell.entries else ""
    codes = {project_id: project.code for project_id, project in names.projects.items()}
    return Week(monday, sorted(rows.values(), key=lambda r: r.order), entries, codes)


def _posted_rows(page: PageContext, form: forms.FormData) -> list[RowKey]:
    """The rows a posted grid names (`row-N`, `row-N-task`), in their order."""
    keys: list[RowKey] = []
    while f"row-{len(keys)}" in form:
        if len(keys) == MAX_ROWS:
            raise Invalid(page._("A timesheet holds at most %(most)d rows.", most=MAX_ROWS))
        n = len(keys)
        try:
            task = form.get(f"row-{n}-task")
            keys.append((uuid.UUID(form[f"row-{n}"]), uuid.UUID(task) if task else None))
        except ValueError as exc:
            message = page._("Row %(row)d of the timesheet names no project or task.", row=n + 1)
            raise Invalid(message) from exc
    return keys


async def _with_posted(
    sheet: Week, posted: Sequence[RowKey], form: forms.FormData, names: _Names
) -> dict[RowKey, list[Cell]]:
    """The grid with the posted rows and what was typed into them; the cells to save:
    those typed into (their entries may have changed since: the service says so) and the
    editable ones left empty (no time)."""
    sent: dict[RowKey, list[Cell]] = {}
    for n, key in enumerate(posted):
        row = sheet.row(key)
        if row is None:
            row = await names.row(key, sheet.monday)
            sheet.rows.append(row)
        for d, cell in enumerate(row.cells):
            typed = form.get(f"cell-{n}-{d}")
            if typed is not None or cell.editable:
                cell.value, cell.typed = str(typed or ""), True
                cell.shown = form.get(f"cell-{n}-{d}-shown")
        sent[key] = [c for c in row.cells if c.typed]
    sheet.rows.sort(key=lambda r: r.order)
    return sent


def _show_errors(sent: Mapping[RowKey, list[Cell]], errors: forms.FormErrors) -> None:
    """Puts each `cells.N.hours` error on its cell (N counts the cells sent, row by row)."""
    cells = [cell for row in sent.values() for cell in row]
    for n, cell in enumerate(cells):
        cell.error = errors.get(f"cells.{n}.hours") or errors.get(f"cells.{n}")


async def _timesheet(
    page: PageContext,
    employee_id: uuid.UUID | None,
    week: date | None,
    form: forms.FormData | None = None,
    errors: forms.FormErrors | None = None,
    *,
    sheet: Week | None = None,
    editing: uuid.UUID | None = None,
    edit_form: forms.FormData | None = None,
    edit_errors: forms.FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    employees = await _employees(page)
    employee = await _chosen_employee(page, employees, employee_id)
    monday = _monday(week or business_day())
    if sheet is None:
        sheet = await _week(page, employee.id if employee else None, monday, _Names(page))
    shown = form or {}
    editable = await _may_edit(page, employee)
    edited = next(
        (e for e in sheet.entries if e.id == editing and editable and e.invoice_id is None),
        None,
    )
    if edited is not None and edit_form is None:
        edit_form = {"hours": str(edited.hours), "description": edited.description}
    return await page.render(
        "timesheets/timesheet.html",
        project=await choices.field(page, choices.PROJECTS, "project_id", shown),
        task=await _task_field(page, shown),
        status_code=status_code,
        employee=employee,
        employees=[(e.id, f"{_employee_name(e)} ({e.number})") for e in employees],
        editable=editable,
        sheet=sheet,
        day_label=timesheets.day_label,
        today=business_day(),
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        form=shown,
        errors=errors,
        editing=edited.id if edited else None,
        edit_form=edit_form or {},
        edit_errors=edit_errors,
    )


def _project_of(form: forms.FormData) -> uuid.UUID | None:
    try:
        return uuid.UUID(form["project_id"]) if form.get("project_id") else None
    except ValueError:
        return None


async def _task_field(page: PageContext, form: forms.FormData) -> choices.Field | None:
    """The open tasks of the project chosen to add a row for (none until one is), for
    those who read tasks."""
    if not page.ws.can("tasks:read"):
        return None
    project_id = _project_of(form)
    if project_id is None:
        return choices.Field("", [], "")
    return await choices.field(page, choices.OPEN_TASKS, "task_id", form, within=project_id)


@router.get("/w/{workspace_ref}/timesheet/task-field")
async def task_field(page: TimeRead) -> Response:
    """The new row's task choice for the project chosen (a fragment, as the project
    changes)."""
    typed = {k: v for k, v in page.request.query_params.items() if v}
    return await page.render(
        "timesheets/_task_field.html", task=await _task_field(page, typed), form={}, errors=None
    )


@router.get("/w/{workspace_ref}/timesheet")
async def timesheet(
    page: TimeRead,
    employee: uuid.UUID | None = None,
    week: BusinessDate | None = None,
    edit: uuid.UUID | None = None,
) -> Response:
    """`edit`: the entry of the list shown as a form (HTMX fetches that row alone)."""
    return await _timesheet(page, employee, week, editing=edit)


async def _added_row(page: PageContext, form: forms.FormData, names: _Names) -> RowKey:
    """The project and task chosen for a new row, read back as the choices are."""
    chosen = await choices.resolve(page, choices.PROJECTS, form, "project_id")
    if page.ws.can("tasks:read"):
        chosen = await choices.resolve(
            page, choices.OPEN_TASKS, chosen, "task_id", within=_project_of(chosen)
        )
    project_id = _project_of(chosen)
    if project_id is None:
        raise forms.FormErrors(forms.CORRECT_THE_FIELDS, {"project_id": N_("choose a project")})
    task = chosen.get("task_id")
    key = (project_id, uuid.UUID(str(task)) if task else None)
    try:
        await names.row(key, business_day())
    except Invalid as exc:
        raise forms.FormErrors(exc.message, {"task_id": "not a task of this project"}) from exc
    return key


EntryRow = lists.Named[timesheets_schemas.TimeEntry]
ENTRY_COLUMNS: list[lists.Column[EntryRow]] = [
    lists.Column("Date", lambda r: r.item.entry_date),
    lists.Column("Employee", lambda r: r.name(r.item.employee_id)),
    lists.Column("Project", lambda r: r.name(r.item.project_id)),
    lists.Column("Task", lambda r: r.name(r.item.task_id)),
    lists.Column("Hours", lambda r: r.item.hours),
    lists.Column("Description", lambda r: r.item.description),
    lists.Column("Billable", lambda r: lists.yes_no(r.item.billable)),
    lists.Column("Invoiced", lambda r: lists.yes_no(r.item.invoice_id is not None)),
]


@lists.csv_route(router, "/w/{workspace_ref}/timesheet.csv")
async def timesheet_csv(
    page: TimeRead, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    """The entries the timesheet lists: the chosen employee's (as the page chooses), of the
    week; projects by code, tasks by key."""
    everyone = await _employees(page) if employee is None else []
    chosen = await _chosen_employee(page, everyone, employee)
    if chosen is None:
        raise NotFound(page._("There is no employee whose time to show."))
    monday = _monday(week or business_day())
    filters = _week_filters(chosen.id, monday)

    async def names(entries: list[timesheets_schemas.TimeEntry]) -> dict[uuid.UUID, str]:
        found = {chosen.id: _employee_name(chosen)}
        for project_id in {e.project_id for e in entries}:
            found[project_id] = (await projects.get_project(page.ws, page.db, project_id)).code
        for task_id in {e.task_id for e in entries if e.task_id is not None}:
            found[task_id] = (await projects.get_task(page.ws, page.db, task_id)).key
        return found

    fetch = pages(lambda p: timesheets.list_time_entries(page.ws, page.db, filters, p))
    name = f"time-{chosen.number}-week-{monday.isoformat()}"
    return await lists.download(name, ENTRY_COLUMNS, lists.named(fetch, names))


@router.post("/w/{workspace_ref}/timesheet")
async def save_timesheet(
    page: TimeWrite, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    """Saves the grid (`timesheets.service.set_cells`), or with `add` adds a row to it
    (not saved until the grid is)."""
    form = await forms.read_form(page.request)
    chosen = await _chosen_employee(page, await _employees(page), employee)
    monday = _monday(week or business_day())
    names = _Names(page)
    sheet = await _week(page, chosen.id if chosen else None, monday, names)
    posted = _posted_rows(page, form)
    sent = await _with_posted(sheet, posted, form, names)
    add_row = {k: v for k, v in form.items() if k.startswith(("project_id", "task_id"))}
    try:
        if "add" in form:
            key = await _added_row(page, form, names)
            if key not in sent:
                await _with_posted(sheet, [key], {}, names)
            return await _timesheet(page, employee, week, sheet=sheet)
        cells = [
            {
                "project_id": key[0],
                "task_id": key[1],
                "entry_date": cell.day,
                "hours": cell.value or None,
                "shown": cell.shown,
            }
            for key, row in sent.items()
            for cell in row
        ]
        data = forms.parse(
            timesheets_schemas.TimeCells,
            {"employee_id": chosen.id if chosen else None, "cells": cells},
        )
        saved = await forms.run(page.db, lambda: timesheets.set_cells(page.ws, page.db, data))
    except forms.FormErrors as errors:
        _show_errors(sent, errors)
        return await _timesheet(
            page, employee, week, add_row, errors, sheet=sheet, status_code=errors.status
        )
    changed = saved.created + saved.updated + saved.deleted
    message = (
        f"Timesheet saved: {saved.created} added, {saved.updated} changed, {saved.deleted} removed."
        if changed
        else "Nothing to save: the hours are as they were."
    )
    return page.redirect(_timesheet_url(page, chosen.id if chosen else None, monday), message)


@router.post("/w/{workspace_ref}/time-entries/{entry_id}/edit")
async def edit_time_entry(page: TimeWrite, entry_id: uuid.UUID) -> Response:
    """An entry's hours and note, changed in the list (HTMX: in its row)."""
    entry = await timesheets.get_time_entry(page.ws, page.db, entry_id)
    form = await forms.read_form(page.request)
    sent = {"hours": form.get("hours"), "description": form.get("description", "")}
    try:
        data = forms.parse(timesheets_schemas.TimeEntryUpdate, sent)
        await forms.run(
            page.db, lambda: timesheets.update_time_entry(page.ws, page.db, entry_id, data)
        )
    except forms.FormErrors as errors:
        # HTMX swaps only successful answers: the row with its errors comes as one.
        htmx = bool(page.request.headers.get("hx-request"))
        return await _timesheet(
            page,
            entry.employee_id,
            entry.entry_date,
            editing=entry_id,
            edit_form=form,
            edit_errors=errors,
            status_code=200 if htmx else errors.status,
        )
    return page.redirect(
        _timesheet_url(page, entry.employee_id, entry.entry_date) + f"#entry-{entry_id}",
        page._(
            "Time entry of %(entry_date)s saved.", entry_date=timesheets.day_label(entry.entry_date)
        ),
    )


@router.post("/w/{workspace_ref}/time-entries/{entry_id}/delete")
async def delete_time_entry(page: TimeWrite, entry_id: uuid.UUID) -> Response:
    entry = await timesheets.get_time_entry(page.ws, page.db, entry_id)
    back = _timesheet_url(page, entry.employee_id, entry.entry_date)
    try:
        await forms.run(page.db, lambda: timesheets.delete_time_entry(page.ws, page.db, entry_id))
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, kind="error")
    return page.redirect(back, page._("Time entry deleted."))
