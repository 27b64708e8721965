"""Pages of time tracking: the weekly timesheet, where time is logged and deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from atlas.clock import business_day
from atlas.errors import NotFound
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.pagination import Page, PageRequest
from atlas.projects import schemas as project_schemas
from atlas.projects import service as projects
from atlas.timesheets import schemas as timesheets_schemas
from atlas.timesheets import service as timesheets
from atlas.validation import BusinessDate
from atlas.web import forms, lists
from atlas.web.access import workspace_page
from atlas.web.pages import choices
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

TimeRead = Annotated[PageContext, Depends(workspace_page("time:read"))]
TimeWrite = Annotated[PageContext, Depends(workspace_page("time:write"))]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class SheetRow:
    """One project (and task) of the week: hours per day, Monday first."""

    project: str
    task: str | None
    task_id: uuid.UUID | None
    order: tuple[str, int]
    hours: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * 7)

    @property
    def total(self) -> Decimal:
        return sum(self.hours, Decimal(0))


@dataclass
class Week:
    monday: date
    rows: list[SheetRow]
    entries: list[timesheets_schemas.TimeEntry]
    # The code of each project the entries name.
    project_codes: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((r.hours[n] for r in self.rows), Decimal(0)) for n in range(7)]

    @property
    def total(self) -> Decimal:
        return sum(self.totals, Decimal(0))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _timesheet_url(page: PageContext, employee_id: uuid.UUID, day: date) -> str:
    return page.url(f"/timesheet?employee={employee_id}&week={day.isoformat()}")


def _employee_name(employee: hr_schemas.Employee) -> str:
    return f"{employee.first_name} {employee.last_name}"


async def _employees(page: PageContext) -> list[hr_schemas.Employee]:
    """The workspace's employees, when the caller may see them."""
    if not page.ws.can("employees:read"):
        return []

    async def fetch(paging: PageRequest) -> Page[hr_schemas.Employee]:
        result = await hr.list_employees(page.ws, page.db, hr_schemas.EmployeeFilters(), paging)
        return Page[hr_schemas.Employee].model_validate(result.model_dump())

    return await lists.every(fetch)


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


def _week_filters(employee_id: uuid.UUID, monday: date) -> timesheets_schemas.TimeEntryFilters:
    """The employee's entries of the week that starts on `monday`, by day."""
    return timesheets_schemas.TimeEntryFilters(
        employee_id=employee_id,
        date_from=monday,
        date_to=monday + timedelta(days=6),
        sort="entry_date",
    )


async def _week(page: PageContext, employee_id: uuid.UUID, monday: date) -> Week:
    """The employee's entries of the week, summed per project and task and per day."""
    filters = _week_filters(employee_id, monday)
    entries = await lists.every(
        lambda p: timesheets.list_time_entries(page.ws, page.db, filters, p)
    )
    known: dict[uuid.UUID, project_schemas.Project] = {}
    tasks: dict[uuid.UUID, project_schemas.Task] = {}
    rows: dict[tuple[uuid.UUID, uuid.UUID | None], SheetRow] = {}
    for entry in entries:
        key = (entry.project_id, entry.task_id)
        if key not in rows:
            if entry.project_id not in known:
                known[entry.project_id] = await projects.get_project(
                    page.ws, page.db, entry.project_id
                )
            project = known[entry.project_id]
            task = None
            if entry.task_id is not None:
                task = tasks.get(entry.task_id) or await projects.get_task(
                    page.ws, page.db, entry.task_id
                )
                tasks[entry.task_id] = task
            rows[key] = SheetRow(
                project=f"{project.code} · {project.name}",
                task=f"{task.key} {task.title}" if task else None,
                task_id=entry.task_id,
                order=(project.code, task.number if task else 0),
            )
        rows[key].hours[entry.entry_date.weekday()] += entry.hours
    codes = {project_id: project.code for project_id, project in known.items()}
    return Week(monday, sorted(rows.values(), key=lambda r: r.order), entries, codes)


async def _timesheet(
    page: PageContext,
    employee_id: uuid.UUID | None,
    week: date | None,
    form: forms.FormData | None = None,
    errors: forms.FormErrors | None = None,
) -> Response:
    employees = await _employees(page)
    employee = await _chosen_employee(page, employees, employee_id)
    monday = _monday(week or business_day())
    sheet = await _week(page, employee.id, monday) if employee else Week(monday, [], [])
    today = business_day()
    initial = {
        "employee_id": str(employee.id) if employee else "",
        "entry_date": (today if _monday(today) == monday else monday).isoformat(),
        "billable": "true",
    }
    shown = form if form is not None else initial
    return await page.render(
        "timesheets/timesheet.html",
        project=await choices.field(page, choices.PROJECTS, "project_id", shown),
        task=await _task_field(page, shown),
        status_code=422 if errors else 200,
        employee=employee,
        employees=[(e.id, f"{_employee_name(e)} ({e.number})") for e in employees],
        sheet=sheet,
        weekdays=WEEKDAYS,
        today=today,
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        form=shown,
        errors=errors,
    )


def _project_of(form: forms.FormData) -> uuid.UUID | None:
    try:
        return uuid.UUID(form["project_id"]) if form.get("project_id") else None
    except ValueError:
        return None


async def _task_field(page: PageContext, form: forms.FormData) -> choices.Field | None:
    """The open tasks of the project chosen on the form (none until one is), for those who
    read tasks."""
    if not page.ws.can("tasks:read"):
        return None
    project_id = _project_of(form)
    if project_id is None:
        return choices.Field("", [], "")
    return await choices.field(page, choices.OPEN_TASKS, "task_id", form, within=project_id)


@router.get("/w/{workspace_ref}/timesheet/task-field")
async def task_field(page: TimeRead) -> Response:
    """The form's task choice for the project chosen (a fragment, as the project changes)."""
    typed = {k: v for k, v in page.request.query_params.items() if v}
    return await page.render(
        "timesheets/_task_field.html", task=await _task_field(page, typed), form={}, errors=None
    )


@router.get("/w/{workspace_ref}/timesheet")
async def timesheet(
    page: TimeRead, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    return await _timesheet(page, employee, week)


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
        raise NotFound("There is no employee whose time to show.")
    monday = _monday(week or business_day())
    filters = _week_filters(chosen.id, monday)

    async def names(entries: list[timesheets_schemas.TimeEntry]) -> dict[uuid.UUID, str]:
        found = {chosen.id: _employee_name(chosen)}
        for project_id in {e.project_id for e in entries}:
            found[project_id] = (await projects.get_project(page.ws, page.db, project_id)).code
        for task_id in {e.task_id for e in entries if e.task_id is not None}:
            found[task_id] = (await projects.get_task(page.ws, page.db, task_id)).key
        return found

    fetch = lists.pages(lambda p: timesheets.list_time_entries(page.ws, page.db, filters, p))
    name = f"time-{chosen.number}-week-{monday.isoformat()}"
    return await lists.download(name, ENTRY_COLUMNS, lists.named(fetch, names))


@router.post("/w/{workspace_ref}/timesheet/entries")
async def log_time(
    page: TimeWrite, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    form = await forms.read_form(page.request)
    # An unticked checkbox sends nothing; the API's default would be "billable".
    try:
        chosen = await choices.resolve(page, choices.PROJECTS, form, "project_id")
        if page.ws.can("tasks:read"):
            chosen = await choices.resolve(
                page, choices.OPEN_TASKS, chosen, "task_id", within=_project_of(chosen)
            )
        sent = {**chosen, "billable": form.get("billable") == "true"}
        data = forms.parse(timesheets_schemas.TimeEntryCreate, sent)
        entry = await forms.run(
            page.db, lambda: timesheets.create_time_entry(page.ws, page.db, data)
        )
    except forms.FormErrors as errors:
        return await _timesheet(page, employee, week, form, errors)
    return page.redirect(
        _timesheet_url(page, entry.employee_id, entry.entry_date),
        f"{entry.hours} hours logged on {entry.entry_date:%a %Y-%m-%d}.",
    )


@router.post("/w/{workspace_ref}/time-entries/{entry_id}/delete")
async def delete_time_entry(page: TimeWrite, entry_id: uuid.UUID) -> Response:
    entry = await timesheets.get_time_entry(page.ws, page.db, entry_id)
    back = _timesheet_url(page, entry.employee_id, entry.entry_date)
    try:
        await forms.run(page.db, lambda: timesheets.delete_time_entry(page.ws, page.db, entry_id))
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, kind="error")
    return page.redirect(back, "Time entry deleted.")
