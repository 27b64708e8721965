"""Pages of the projects area: projects, their tasks and board, and the weekly timesheet."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.responses import Response

from atlas.finance import schemas as finance_schemas
from atlas.finance import service as finance
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.pagination import MAX_LIMIT, Page, PageParams, PageRequest
from atlas.projects import schemas, service
from atlas.projects.tables import PROJECT_STATUSES, TASK_PRIORITIES, TASK_STATUSES
from atlas.validation import BusinessDate
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.pages import choices
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.workspaces import service as workspaces

router = page_router()

T = TypeVar("T")

ProjectsRead = Annotated[PageContext, Depends(workspace_page("projects:read"))]
ProjectsCreate = Annotated[PageContext, Depends(workspace_page("projects:create"))]
ProjectsUpdate = Annotated[PageContext, Depends(workspace_page("projects:update"))]
ProjectsDelete = Annotated[PageContext, Depends(workspace_page("projects:delete"))]
TasksRead = Annotated[PageContext, Depends(workspace_page("tasks:read"))]
TasksCreate = Annotated[PageContext, Depends(workspace_page("tasks:create"))]
TasksUpdate = Annotated[PageContext, Depends(workspace_page("tasks:update"))]
TasksDelete = Annotated[PageContext, Depends(workspace_page("tasks:delete"))]
TimeRead = Annotated[PageContext, Depends(workspace_page("time:read"))]
TimeWrite = Annotated[PageContext, Depends(workspace_page("time:write"))]

Search = forms.QueryText
Choice = forms.QueryText

# Edit forms send every field: a field left blank clears it (read_form drops blank fields,
# so without these defaults a blank field would keep its old value).
PROJECT_EDIT_DEFAULTS: dict[str, Any] = {
    "code": "",
    "name": "",
    "description": "",
    "start_date": None,
    "end_date": None,
    "budget": None,
}
TASK_EDIT_DEFAULTS: dict[str, Any] = {
    "title": "",
    "description": "",
    "assignee_user_id": None,
    "due_date": None,
    "estimate_hours": None,
}
OPEN_TASK_STATUSES = ["todo", "in_progress", "blocked"]
# The board shows one API page of a project's tasks and says when there are more.
BOARD_SIZE = PageRequest(limit=MAX_LIMIT, offset=0)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def _every(fetch: Callable[[PageRequest], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged service list, page after page."""
    items: list[T] = []
    while True:
        result = await fetch(PageRequest(limit=MAX_LIMIT, offset=len(items)))
        items.extend(result.items)
        if not result.items or len(items) >= result.total:
            return items


async def _member_names(page: PageContext, tasks: Sequence[schemas.Task]) -> dict[uuid.UUID, str]:
    """The names of the tasks' assignees, when the caller may see members."""
    if not page.ws.can("members:read"):
        return {}
    ids = {t.assignee_user_id for t in tasks if t.assignee_user_id is not None}
    return {i: (await workspaces.get_member_of_user(page.ws, page.db, i)).name for i in ids}


def _choices(values: Sequence[str]) -> list[tuple[str, str]]:
    """Select options from a Literal's values: ("in_progress", "In progress")."""
    return [(value, labelled(value)) for value in values]


def _status_filter(status: str | None) -> list[str]:
    return [status] if status else []


def _edited(defaults: dict[str, Any], form: forms.FormData) -> forms.FormData:
    return {**defaults, **form}


# Projects


@router.get("/w/{workspace_ref}/projects")
async def project_list(
    page: ProjectsRead,
    paging: PageParams,
    status: Choice = None,
    q: Search = None,
    sort: Choice = None,
) -> Response:
    filters = schemas.ProjectFilters(statuses=_status_filter(status), q=q, sort=sort or None)
    result = await service.list_projects(page.ws, page.db, filters, paging)
    return await page.render("projects/list.html", result=result, statuses=PROJECT_STATUSES)


async def _project_form(
    page: PageContext,
    project: schemas.Project | None,
    form: forms.FormData,
    errors: forms.FormErrors | None,
) -> Response:
    return await page.render(
        "projects/project_form.html",
        status_code=422 if errors else 200,
        project=project,
        form=form,
        errors=errors,
        statuses=_choices(PROJECT_STATUSES),
    )


@router.get("/w/{workspace_ref}/projects/new")
async def new_project_form(page: ProjectsCreate) -> Response:
    return await _project_form(page, None, {"status": "planned"}, None)


@router.post("/w/{workspace_ref}/projects/new")
async def create_project(page: ProjectsCreate) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.ProjectCreate, form)
        project = await forms.run(page.db, lambda: service.create_project(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _project_form(page, None, form, errors)
    return page.redirect(page.url(f"/projects/{project.id}"), f"Project {project.code} created.")


@router.get("/w/{workspace_ref}/projects/{project_id}")
async def project_detail(
    page: ProjectsRead,
    project_id: uuid.UUID,
    paging: PageParams,
    status: Choice = None,
    sort: Choice = None,
) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    tasks = None
    if page.ws.can("tasks:read"):
        filters = schemas.TaskFilters(statuses=_status_filter(status), sort=sort or None)
        tasks = await service.list_project_tasks(page.ws, page.db, project_id, filters, paging)
    return await page.render(
        "projects/detail.html",
        project=project,
        tasks=tasks,
        names=await _member_names(page, tasks.items if tasks else []),
        statuses=TASK_STATUSES,
    )


@router.get("/w/{workspace_ref}/projects/{project_id}/edit")
async def edit_project_form(page: ProjectsUpdate, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    return await _project_form(page, project, project.model_dump(mode="json"), None)


@router.post("/w/{workspace_ref}/projects/{project_id}/edit")
async def update_project(page: ProjectsUpdate, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.ProjectUpdate, _edited(PROJECT_EDIT_DEFAULTS, form))
        updated = await forms.run(
            page.db, lambda: service.update_project(page.ws, page.db, project_id, data)
        )
    except forms.FormErrors as errors:
        return await _project_form(page, project, form, errors)
    return page.redirect(page.url(f"/projects/{project_id}"), f"Project {updated.code} saved.")


@router.post("/w/{workspace_ref}/projects/{project_id}/delete")
async def delete_project(page: ProjectsDelete, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    try:
        await forms.run(page.db, lambda: service.delete_project(page.ws, page.db, project_id))
    except forms.FormErrors as errors:
        return page.redirect(page.url(f"/projects/{project_id}"), errors.message, kind="error")
    return page.redirect(page.url("/projects"), f"Project {project.code} deleted.")


# The board


@router.get("/w/{workspace_ref}/projects/{project_id}/board")
async def board(page: TasksRead, project_id: uuid.UUID) -> Response:
    page.ws.require("projects:read")
    project = await service.get_project(page.ws, page.db, project_id)
    shown = await service.list_project_tasks(
        page.ws, page.db, project_id, schemas.TaskFilters(), BOARD_SIZE
    )
    columns = {status: [t for t in shown.items if t.status == status] for status in TASK_STATUSES}
    return await page.render(
        "projects/board.html",
        project=project,
        columns=columns,
        shown=shown,
        names=await _member_names(page, shown.items),
        statuses=TASK_STATUSES,
    )


@router.post("/w/{workspace_ref}/tasks/{task_id}/move")
async def move_task(page: TasksUpdate, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    back = page.url(f"/projects/{task.project_id}/board")
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.TaskUpdate, {"status": form.get("status")})
        moved = await forms.run(
            page.db, lambda: service.update_task(page.ws, page.db, task_id, data)
        )
    except forms.FormErrors as errors:
        reason = errors.get("status") or errors.message
        return page.redirect(back, f"{task.key} was not moved: {reason}.", kind="error")
    return page.redirect(back, f"{moved.key} moved to {labelled(moved.status)}.")


# Tasks


async def _task_form(
    page: PageContext,
    project: schemas.Project,
    task: schemas.Task | None,
    form: forms.FormData,
    errors: forms.FormErrors | None,
) -> Response:
    assignee = choices.Field("", [], "")  # only "Nobody" for those who may not see members
    if page.ws.can("members:read"):
        assignee = await choices.field(page, choices.MEMBERS, "assignee_user_id", form)
    return await page.render(
        "projects/task_form.html",
        status_code=422 if errors else 200,
        project=project,
        task=task,
        form=form,
        errors=errors,
        assignee=assignee,
        statuses=_choices(TASK_STATUSES),
        priorities=_choices(TASK_PRIORITIES),
    )


@router.get("/w/{workspace_ref}/projects/{project_id}/tasks/new")
async def new_task_form(page: TasksCreate, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    return await _task_form(page, project, None, {"status": "todo", "priority": "medium"}, None)


@router.post("/w/{workspace_ref}/projects/{project_id}/tasks/new")
async def create_task(page: TasksCreate, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    form = await forms.read_form(page.request)
    try:
        chosen = await choices.resolve(page, choices.MEMBERS, form, "assignee_user_id")
        data = forms.parse(schemas.TaskCreate, chosen)
        task = await forms.run(
            page.db, lambda: service.create_task(page.ws, page.db, project_id, data)
        )
    except forms.FormErrors as errors:
        return await _task_form(page, project, None, form, errors)
    return page.redirect(page.url(f"/tasks/{task.id}"), f"Task {task.key} created.")


@router.get("/w/{workspace_ref}/tasks/{task_id}")
async def task_detail(page: TasksRead, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    project = None
    if page.ws.can("projects:read"):
        project = await service.get_project(page.ws, page.db, task.project_id)
    return await page.render(
        "projects/task.html", task=task, project=project, names=await _member_names(page, [task])
    )


@router.get("/w/{workspace_ref}/tasks/{task_id}/edit")
async def edit_task_form(page: TasksUpdate, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    project = await service.get_project(page.ws, page.db, task.project_id)
    return await _task_form(page, project, task, task.model_dump(mode="json"), None)


@router.post("/w/{workspace_ref}/tasks/{task_id}/edit")
async def update_task(page: TasksUpdate, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    form = await forms.read_form(page.request)
    try:
        edited = _edited(TASK_EDIT_DEFAULTS, form)
        chosen = await choices.resolve(page, choices.MEMBERS, edited, "assignee_user_id")
        data = forms.parse(schemas.TaskUpdate, chosen)
        updated = await forms.run(
            page.db, lambda: service.update_task(page.ws, page.db, task_id, data)
        )
    except forms.FormErrors as errors:
        project = await service.get_project(page.ws, page.db, task.project_id)
        return await _task_form(page, project, task, form, errors)
    return page.redirect(page.url(f"/tasks/{task_id}"), f"Task {updated.key} saved.")


@router.post("/w/{workspace_ref}/tasks/{task_id}/delete")
async def delete_task(page: TasksDelete, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    await service.delete_task(page.ws, page.db, task_id)
    return page.redirect(page.url(f"/projects/{task.project_id}"), f"Task {task.key} deleted.")


# The weekly timesheet


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
    entries: list[finance_schemas.TimeEntry]

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((r.hours[n] for r in self.rows), Decimal(0)) for n in range(7)]

    @property
    def total(self) -> Decimal:
        return sum(self.totals, Decimal(0))


def _today() -> date:
    return datetime.now(UTC).date()


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

    return await _every(fetch)


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


async def _week(page: PageContext, employee_id: uuid.UUID, monday: date) -> Week:
    """The employee's entries of the week, summed per project and task and per day."""
    filters = finance_schemas.TimeEntryFilters(
        employee_id=employee_id,
        date_from=monday,
        date_to=monday + timedelta(days=6),
        sort="entry_date",
    )
    entries = await _every(lambda p: finance.list_time_entries(page.ws, page.db, filters, p))
    projects: dict[uuid.UUID, schemas.Project] = {}
    tasks: dict[uuid.UUID, schemas.Task] = {}
    rows: dict[tuple[uuid.UUID, uuid.UUID | None], SheetRow] = {}
    for entry in entries:
        key = (entry.project_id, entry.task_id)
        if key not in rows:
            if entry.project_id not in projects:
                projects[entry.project_id] = await service.get_project(
                    page.ws, page.db, entry.project_id
                )
            project = projects[entry.project_id]
            task = None
            if entry.task_id is not None:
                task = tasks.get(entry.task_id) or await service.get_task(
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
    return Week(monday, sorted(rows.values(), key=lambda r: r.order), entries)


async def _timesheet(
    page: PageContext,
    employee_id: uuid.UUID | None,
    week: date | None,
    form: forms.FormData | None = None,
    errors: forms.FormErrors | None = None,
) -> Response:
    employees = await _employees(page)
    employee = await _chosen_employee(page, employees, employee_id)
    monday = _monday(week or _today())
    sheet = await _week(page, employee.id, monday) if employee else Week(monday, [], [])
    projects = await _every(
        lambda p: service.list_projects(page.ws, page.db, schemas.ProjectFilters(sort="code"), p)
    )
    open_tasks: list[schemas.Task] = []
    if page.ws.can("tasks:read"):
        filters = schemas.TaskFilters(statuses=OPEN_TASK_STATUSES, sort="number")
        open_tasks = (
            await service.list_tasks(page.ws, page.db, filters, PageRequest(MAX_LIMIT, 0))
        ).items
    today = _today()
    initial = {
        "employee_id": str(employee.id) if employee else "",
        "entry_date": (today if _monday(today) == monday else monday).isoformat(),
        "billable": "true",
    }
    return await page.render(
        "projects/timesheet.html",
        status_code=422 if errors else 200,
        employee=employee,
        employees=[(e.id, f"{_employee_name(e)} ({e.number})") for e in employees],
        sheet=sheet,
        weekdays=WEEKDAYS,
        today=today,
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        project_options=[(p.id, f"{p.code} · {p.name}") for p in projects],
        task_options=[(t.id, f"{t.key} {t.title}") for t in open_tasks],
        project_names={p.id: p.code for p in projects},
        form=form if form is not None else initial,
        errors=errors,
    )


@router.get("/w/{workspace_ref}/timesheet")
async def timesheet(
    page: TimeRead, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    return await _timesheet(page, employee, week)


@router.post("/w/{workspace_ref}/timesheet/entries")
async def log_time(
    page: TimeWrite, employee: uuid.UUID | None = None, week: BusinessDate | None = None
) -> Response:
    form = await forms.read_form(page.request)
    # An unticked checkbox sends nothing; the API's default would be "billable".
    sent = {**form, "billable": form.get("billable") == "true"}
    try:
        data = forms.parse(finance_schemas.TimeEntryCreate, sent)
        entry = await forms.run(page.db, lambda: finance.create_time_entry(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _timesheet(page, employee, week, form, errors)
    return page.redirect(
        _timesheet_url(page, entry.employee_id, entry.entry_date),
        f"{entry.hours} hours logged on {entry.entry_date:%a %Y-%m-%d}.",
    )


@router.post("/w/{workspace_ref}/time-entries/{entry_id}/delete")
async def delete_time_entry(page: TimeWrite, entry_id: uuid.UUID) -> Response:
    entry = await finance.get_time_entry(page.ws, page.db, entry_id)
    back = _timesheet_url(page, entry.employee_id, entry.entry_date)
    try:
        await forms.run(page.db, lambda: finance.delete_time_entry(page.ws, page.db, entry_id))
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, kind="error")
    return page.redirect(back, "Time entry deleted.")
