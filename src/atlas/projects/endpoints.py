"""JSON routes of projects and tasks.

The workspace comes from the auth context (workspace token, X-Workspace-Id, or the
session's active workspace), never from the URL; an id of another workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from atlas.db.pool import TransactionRoute
from atlas.pagination import REPEATABLE, Page, PageParams, Search, Sort, Statuses
from atlas.projects import schemas, service
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.validation import BusinessDate

ProjectsRead = Annotated[WorkspaceContext, Depends(require("projects:read"))]
ProjectsCreate = Annotated[WorkspaceContext, Depends(require("projects:create"))]
ProjectsUpdate = Annotated[WorkspaceContext, Depends(require("projects:update"))]
ProjectsDelete = Annotated[WorkspaceContext, Depends(require("projects:delete"))]
TasksRead = Annotated[WorkspaceContext, Depends(require("tasks:read"))]
TasksCreate = Annotated[WorkspaceContext, Depends(require("tasks:create"))]
TasksUpdate = Annotated[WorkspaceContext, Depends(require("tasks:update"))]
TasksDelete = Annotated[WorkspaceContext, Depends(require("tasks:delete"))]

router = APIRouter(prefix="/api/v1", tags=["projects"], route_class=TransactionRoute)

Priorities = Annotated[list[str] | None, Query(alias="priority", description=REPEATABLE)]
Assignee = Annotated[
    str | None, Query(max_length=40, description="A user id, 'me', or 'none' (unassigned).")
]
DueBefore = Annotated[
    BusinessDate | None, Query(description="Tasks due strictly before this date.")
]


# Projects


@router.post("/projects", status_code=status.HTTP_201_CREATED)
async def create_project(
    data: schemas.ProjectCreate, ctx: ProjectsCreate, db: Db
) -> schemas.Project:
    """Create a project; its code is unique in the workspace (409 otherwise)."""
    return await service.create_project(ctx, db, data)


@router.get("/projects")
async def list_projects(
    ctx: ProjectsRead,
    db: Db,
    page: PageParams,
    statuses: Statuses = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Project]:
    """The workspace's projects; sort by code, name, status, start_date or created_at."""
    filters = schemas.ProjectFilters(statuses=statuses or [], q=q, sort=sort)
    return await service.list_projects(ctx, db, filters, page)


@router.get("/projects/{project_id}")
async def get_project(project_id: uuid.UUID, ctx: ProjectsRead, db: Db) -> schemas.Project:
    """One project, with its task counts by status."""
    return await service.get_project(ctx, db, project_id)


@router.patch("/projects/{project_id}")
async def update_project(
    project_id: uuid.UUID, data: schemas.ProjectUpdate, ctx: ProjectsUpdate, db: Db
) -> schemas.Project:
    """Change the fields sent; null clears the dates and the budget."""
    return await service.update_project(ctx, db, project_id, data)


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(project_id: uuid.UUID, ctx: ProjectsDelete, db: Db) -> None:
    """Delete a project and all its tasks."""
    await service.delete_project(ctx, db, project_id)


# Tasks


@router.post("/projects/{project_id}/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(
    project_id: uuid.UUID, data: schemas.TaskCreate, ctx: TasksCreate, db: Db
) -> schemas.Task:
    """Create a task, numbered next in its project (key e.g. WEB-12)."""
    return await service.create_task(ctx, db, project_id, data)


@router.get("/projects/{project_id}/tasks")
async def list_project_tasks(
    project_id: uuid.UUID,
    ctx: TasksRead,
    db: Db,
    page: PageParams,
    statuses: Statuses = None,
    priorities: Priorities = None,
    assignee: Assignee = None,
    q: Search = None,
    due_before: DueBefore = None,
    sort: Sort = None,
) -> Page[schemas.Task]:
    """A project's tasks; sort by number (default), title, status, priority, due_date,
    created_at or updated_at."""
    filters = schemas.TaskFilters(
        project_id=project_id,
        statuses=statuses or [],
        priorities=priorities or [],
        assignee=assignee,
        q=q,
        due_before=due_before,
        sort=sort,
    )
    return await service.list_project_tasks(ctx, db, filters, page)


@router.get("/tasks")
async def list_tasks(
    ctx: TasksRead,
    db: Db,
    page: PageParams,
    project_id: uuid.UUID | None = None,
    statuses: Statuses = None,
    priorities: Priorities = None,
    assignee: Assignee = None,
    q: Search = None,
    due_before: DueBefore = None,
    sort: Sort = None,
) -> Page[schemas.Task]:
    """Tasks across the workspace; sort by number, title, status, priority, due_date,
    created_at (default) or updated_at."""
    filters = schemas.TaskFilters(
        project_id=project_id,
        statuses=statuses or [],
        priorities=priorities or [],
        assignee=assignee,
        q=q,
        due_before=due_before,
        sort=sort,
    )
    return await service.list_tasks(ctx, db, filters, page)


@router.get("/tasks/by-key/{key}")
async def get_task_by_key(
    key: Annotated[str, Path(max_length=30, description="e.g. WEB-12")], ctx: TasksRead, db: Db
) -> schemas.Task:
    """One task by its key."""
    return await service.get_task_by_key(ctx, db, key)


@router.get("/tasks/{task_id}")
async def get_task(task_id: uuid.UUID, ctx: TasksRead, db: Db) -> schemas.Task:
    """One task."""
    return await service.get_task(ctx, db, task_id)


@router.patch("/tasks/{task_id}")
async def update_task(
    task_id: uuid.UUID, data: schemas.TaskUpdate, ctx: TasksUpdate, db: Db
) -> schemas.Task:
    """Change the fields sent; null clears the assignee, due date, estimate and dependency."""
    return await service.update_task(ctx, db, task_id, data)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: uuid.UUID, ctx: TasksDelete, db: Db) -> None:
    """Delete a task; tasks that depended on it keep no dependency."""
    await service.delete_task(ctx, db, task_id)
