"""Pages of the projects area: projects, their tasks and their board."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from atlas.errors import NotFound
from atlas.pagination import MAX_LIMIT, PageParams, PageRequest, pages
from atlas.projects import schemas, service
from atlas.projects.tables import PROJECT_STATUSES, TASK_PRIORITIES, TASK_STATUSES
from atlas.web import bulk, forms, lists
from atlas.web.access import workspace_page
from atlas.web.pages import choices
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.web.shell import Crumb
from atlas.workspaces import service as workspaces

router = page_router()

ProjectsRead = Annotated[PageContext, Depends(workspace_page("projects:read"))]
ProjectsCreate = Annotated[PageContext, Depends(workspace_page("projects:create"))]
ProjectsUpdate = Annotated[PageContext, Depends(workspace_page("projects:update"))]
ProjectsDelete = Annotated[PageContext, Depends(workspace_page("projects:delete"))]
TasksRead = Annotated[PageContext, Depends(workspace_page("tasks:read"))]
TasksCreate = Annotated[PageContext, Depends(workspace_page("tasks:create"))]
TasksUpdate = Annotated[PageContext, Depends(workspace_page("tasks:update"))]
TasksDelete = Annotated[PageContext, Depends(workspace_page("tasks:delete"))]

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
# The board shows one API page of a project's tasks and says when there are more.
BOARD_SIZE = PageRequest(limit=MAX_LIMIT, offset=0)


async def _member_names(page: PageContext, tasks: Sequence[schemas.Task]) -> dict[uuid.UUID, str]:
    """The names of the tasks' assignees, when the caller may see members."""
    if not page.ws.can("members:read"):
        return {}
    ids = {t.assignee_user_id for t in tasks if t.assignee_user_id is not None}
    return {m.user_id: m.name for m in await workspaces.members_of_users(page.ws, page.db, ids)}


def _choices(values: Sequence[str]) -> list[tuple[str, str]]:
    """Select options from a Literal's values: ("in_progress", "In progress")."""
    return [(value, labelled(value)) for value in values]


def _status_filter(status: str | None) -> list[str]:
    return [status] if status else []


def _counted(status: str) -> Callable[[schemas.Project], int]:
    return lambda project: project.task_counts.get(status, 0)


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


PROJECT_COLUMNS: list[lists.Column[schemas.Project]] = [
    lists.Column("Code", lambda p: p.code),
    lists.Column("Name", lambda p: p.name),
    lists.Column("Status", lambda p: labelled(p.status)),
    lists.Column("Start date", lambda p: p.start_date),
    lists.Column("End date", lambda p: p.end_date),
    lists.Column("Budget", lambda p: p.budget),
    lists.Column("Currency", lambda p: p.currency),
    *(lists.Column(f"{labelled(status)} tasks", _counted(status)) for status in TASK_STATUSES),
]


@lists.csv_route(router, "/w/{workspace_ref}/projects.csv")
async def project_list_csv(
    page: ProjectsRead, status: Choice = None, q: Search = None, sort: Choice = None
) -> Response:
    filters = schemas.ProjectFilters(statuses=_status_filter(status), q=q, sort=sort or None)
    return await lists.download(
        "projects",
        PROJECT_COLUMNS,
        pages(lambda p: service.list_projects(page.ws, page.db, filters, p)),
    )


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
    return page.redirect(
        page.url(f"/projects/{project.id}"), page._("Project %(code)s created.", code=project.code)
    )


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
        filters = schemas.TaskFilters(
            project_id=project_id, statuses=_status_filter(status), sort=sort or None
        )
        tasks = await service.list_project_tasks(page.ws, page.db, filters, paging)
    return await page.render(
        "projects/detail.html",
        crumbs=[Crumb(project.name)],
        project=project,
        tasks=tasks,
        names=await _member_names(page, tasks.items if tasks else []),
        statuses=TASK_STATUSES,
    )


TASK_COLUMNS: list[lists.Column[lists.Named[schemas.Task]]] = [
    lists.Column("Key", lambda r: r.item.key),
    lists.Column("Title", lambda r: r.item.title),
    lists.Column("Status", lambda r: labelled(r.item.status)),
    lists.Column("Priority", lambda r: labelled(r.item.priority)),
    lists.Column("Assignee", lambda r: r.name(r.item.assignee_user_id)),
    lists.Column("Due date", lambda r: r.item.due_date),
    lists.Column("Estimate (hours)", lambda r: r.item.estimate_hours),
]


@lists.csv_route(router, "/w/{workspace_ref}/projects/{project_id}/tasks.csv")
async def project_tasks_csv(
    page: TasksRead, project_id: uuid.UUID, status: Choice = None, sort: Choice = None
) -> Response:
    """The task list of the project's page (the assignees named for who may see members)."""
    page.ws.require("projects:read")
    project = await service.get_project(page.ws, page.db, project_id)
    filters = schemas.TaskFilters(
        project_id=project_id, statuses=_status_filter(status), sort=sort or None
    )
    fetch = pages(lambda p: service.list_project_tasks(page.ws, page.db, filters, p))
    return await lists.download(
        f"{project.code}-tasks", TASK_COLUMNS, lists.named(fetch, lambda t: _member_names(page, t))
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
    return page.redirect(
        page.url(f"/projects/{project_id}"), page._("Project %(code)s saved.", code=updated.code)
    )


@router.post("/w/{workspace_ref}/projects/{project_id}/delete")
async def delete_project(page: ProjectsDelete, project_id: uuid.UUID) -> Response:
    project = await service.get_project(page.ws, page.db, project_id)
    try:
        await forms.run(page.db, lambda: service.delete_project(page.ws, page.db, project_id))
    except forms.FormErrors as errors:
        return page.redirect(page.url(f"/projects/{project_id}"), errors.message, kind="error")
    return page.redirect(
        page.url("/projects"), page._("Project %(code)s deleted.", code=project.code)
    )


# The board


@router.get("/w/{workspace_ref}/projects/{project_id}/board")
async def board(page: TasksRead, project_id: uuid.UUID) -> Response:
    page.ws.require("projects:read")
    project = await service.get_project(page.ws, page.db, project_id)
    of_project = schemas.TaskFilters(project_id=project_id)
    shown = await service.list_project_tasks(page.ws, page.db, of_project, BOARD_SIZE)
    columns = {status: [t for t in shown.items if t.status == status] for status in TASK_STATUSES}
    return await page.render(
        "projects/board.html",
        crumbs=[Crumb(project.name, page.url(f"/projects/{project_id}")), Crumb(page._("Board"))],
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
        return page.redirect(
            back,
            page._("%(key)s was not moved: %(reason)s.", key=task.key, reason=reason),
            kind="error",
        )
    return page.redirect(
        back, page._("%(key)s moved to %(status)s.", key=moved.key, status=labelled(moved.status))
    )


@router.post("/w/{workspace_ref}/projects/{project_id}/tasks/bulk")
async def move_tasks(page: TasksUpdate, project_id: uuid.UUID) -> Response:
    """Marks every chosen task done (`action=done`) or moves it to the status `to`."""
    await service.get_project(page.ws, page.db, project_id)
    ids, form = await bulk.read_ids(page)
    back = bulk.the_list(page, f"/projects/{project_id}")
    status = "done" if form.get("action") == "done" else form.get("to")
    if status is None:
        return page.redirect(back, page._("Choose the status to move the tasks to."), kind="error")
    try:
        data = forms.parse(schemas.TaskUpdate, {"status": status})
    except forms.FormErrors as errors:
        reason = errors.get("status") or errors.message
        return page.redirect(
            back, page._("No task was moved: %(reason)s.", reason=reason), kind="error"
        )
    return await bulk.apply_all(
        page,
        back,
        ids,
        lambda task_id: _move_task(page, project_id, task_id, data),
        lambda task_id: _task_key(page, task_id),
        page.ngettext(
            "%(count)d task moved to %(status)s.",
            "%(count)d tasks moved to %(status)s.",
            len(ids),
            status=labelled(status),
        ),
    )


async def _move_task(
    page: PageContext, project_id: uuid.UUID, task_id: uuid.UUID, data: schemas.TaskUpdate
) -> None:
    """Moves one task of the project; a task of another project is not found here."""
    if (await service.get_task(page.ws, page.db, task_id)).project_id != project_id:
        raise NotFound(page._("Task not found."))
    await service.update_task(page.ws, page.db, task_id, data)


async def _task_key(page: PageContext, task_id: uuid.UUID) -> str:
    return f"Task {(await service.get_task(page.ws, page.db, task_id)).key}"


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
    return page.redirect(
        page.url(f"/tasks/{task.id}"), page._("Task %(key)s created.", key=task.key)
    )


@router.get("/w/{workspace_ref}/tasks/{task_id}")
async def task_detail(page: TasksRead, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    project = None
    if page.ws.can("projects:read"):
        project = await service.get_project(page.ws, page.db, task.project_id)
    crumbs = [Crumb(project.name, page.url(f"/projects/{project.id}"))] if project else []
    return await page.render(
        "projects/task.html",
        crumbs=[*crumbs, Crumb(task.title)],
        task=task,
        project=project,
        names=await _member_names(page, [task]),
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
    return page.redirect(
        page.url(f"/tasks/{task_id}"), page._("Task %(key)s saved.", key=updated.key)
    )


@router.post("/w/{workspace_ref}/tasks/{task_id}/delete")
async def delete_task(page: TasksDelete, task_id: uuid.UUID) -> Response:
    task = await service.get_task(page.ws, page.db, task_id)
    await service.delete_task(page.ws, page.db, task_id)
    return page.redirect(
        page.url(f"/projects/{task.project_id}"), page._("Task %(key)s deleted.", key=task.key)
    )
