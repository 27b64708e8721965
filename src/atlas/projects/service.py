"""Projects and tasks: the rules, over repositories built for the caller's workspace.

The database holds the invariants (unique codes per workspace, assignees who are members,
dependencies inside one project, end dates after start dates); this module turns their
violations into API errors and adds what constraints cannot say (dependency cycles).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from atlas.db.textsearch import prefix_query
from atlas.errors import AtlasError, Conflict, NotFound
from atlas.pagination import Page, PageRequest, page_of
from atlas.projects import schemas
from atlas.projects.repository import ProjectsRepository, TasksRepository
from atlas.projects.tables import PROJECT_STATUSES, TASK_PRIORITIES, TASK_STATUSES
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import choices, constraint_errors, invalid, search_text

TASK_KEY = re.compile(r"^([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,8})$")


# Constraint name (see tables.py and the naming convention) -> the API error it means.
CONSTRAINT_ERRORS: dict[str, Callable[[], AtlasError]] = {
    "uq_projects_workspace_id_code": lambda: Conflict(
        "Another project in this workspace already uses this code.",
        code="project_code_taken",
        details=[{"field": "code", "message": "already taken in this workspace"}],
    ),
    "fk_time_entries_workspace_id_project_id_projects": lambda: Conflict(
        "Time has been logged on this project; it cannot be deleted (archive it instead).",
        code="project_has_time_entries",
    ),
    "ck_projects_dates": lambda: invalid(
        "The end date is before the start date.", "end_date", "must be on or after start_date"
    ),
    "fk_tasks_workspace_id_assignee_user_id_workspace_members": lambda: invalid(
        "The assignee is not a member of this workspace.",
        "assignee_user_id",
        "not a member of this workspace",
        code="assignee_not_member",
    ),
    "fk_tasks_workspace_id_project_id_depends_on_task_id_tasks": lambda: invalid(
        "A task can only depend on another task of the same project.",
        "depends_on_task_id",
        "not a task of this project",
        code="invalid_dependency",
    ),
    "ck_tasks_no_self_dependency": lambda: invalid(
        "A task cannot depend on itself.",
        "depends_on_task_id",
        "a task cannot depend on itself",
        code="invalid_dependency",
    ),
    "fk_tasks_workspace_id_project_id_projects": lambda: NotFound("Project not found."),
}


def _project_values(row: asyncpg.Record) -> dict[str, Any]:
    return {**dict(row), "task_counts": dict(zip(TASK_STATUSES, row["task_counts"], strict=True))}


def _project(row: asyncpg.Record) -> schemas.Project:
    return schemas.Project.model_validate(_project_values(row))


def _task_values(row: asyncpg.Record) -> dict[str, Any]:
    return {**dict(row), "key": f"{row['project_code']}-{row['number']}"}


def _task(row: asyncpg.Record) -> schemas.Task:
    return schemas.Task.model_validate(_task_values(row))


# Projects


async def create_project(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.ProjectCreate
) -> schemas.Project:
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await ProjectsRepository(db, ctx.workspace_id).create(**data.model_dump())
    return _project(row)


async def list_projects(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.ProjectFilters,
    page: PageRequest,
) -> Page[schemas.Project]:
    rows, total = await ProjectsRepository(db, ctx.workspace_id).list(
        statuses=choices(filters.statuses, PROJECT_STATUSES, "status"),
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.Project, [_project_values(r) for r in rows], total, page)


async def get_project(
    ctx: WorkspaceContext, db: asyncpg.Connection, project_id: uuid.UUID
) -> schemas.Project:
    row = await ProjectsRepository(db, ctx.workspace_id).get(project_id)
    if row is None:
        raise NotFound("Project not found.")
    return _project(row)


async def search_projects(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[schemas.Project]:
    """At most `limit` projects for the global search: a word of the code or the name
    starts with each word typed (atlas.db.textsearch)."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await ProjectsRepository(db, ctx.workspace_id).search(query=query, limit=limit)
    return [_project(row) for row in rows]


async def project_exists(
    ctx: WorkspaceContext, db: asyncpg.Connection, project_id: uuid.UUID
) -> bool:
    return await ProjectsRepository(db, ctx.workspace_id).exists(project_id)


async def update_project(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    project_id: uuid.UUID,
    data: schemas.ProjectUpdate,
) -> schemas.Project:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_project(ctx, db, project_id)
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await ProjectsRepository(db, ctx.workspace_id).update(project_id, changes)
    if row is None:
        raise NotFound("Project not found.")
    return _project(row)


async def delete_project(
    ctx: WorkspaceContext, db: asyncpg.Connection, project_id: uuid.UUID
) -> None:
    """Deletes a project and its tasks; one with logged time is refused (409)."""
    with constraint_errors(CONSTRAINT_ERRORS):
        deleted = await ProjectsRepository(db, ctx.workspace_id).delete(project_id)
    if not deleted:
        raise NotFound("Project not found.")


# Tasks


async def create_task(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    project_id: uuid.UUID,
    data: schemas.TaskCreate,
) -> schemas.Task:
    """A new task numbered next in its project; a failed insert returns the number."""
    numbered = await ProjectsRepository(db, ctx.workspace_id).take_task_number(project_id)
    if numbered is None:
        raise NotFound("Project not found.")
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await TasksRepository(db, ctx.workspace_id).create(
            project_id=project_id, number=numbered["last_task_number"], **data.model_dump()
        )
    return _task(row)


def _assignee(ctx: WorkspaceContext, value: str | None) -> tuple[uuid.UUID | None, bool]:
    """The assignee filter as (user id, unassigned only)."""
    if value is None or not value.strip():
        return None, False
    value = value.strip().lower()
    if value == "me":
        return ctx.user_id, False
    if value == "none":
        return None, True
    try:
        return uuid.UUID(value), False
    except ValueError:
        raise invalid(
            "Filter the assignee by a user id, 'me' or 'none'.",
            "assignee",
            "not a user id, 'me' or 'none'",
        ) from None


async def _list_tasks(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.TaskFilters,
    page: PageRequest,
    default_sort: str,
) -> Page[schemas.Task]:
    assignee_user_id, unassigned = _assignee(ctx, filters.assignee)
    rows, total = await TasksRepository(db, ctx.workspace_id).list(
        project_id=filters.project_id,
        statuses=choices(filters.statuses, TASK_STATUSES, "status"),
        priorities=choices(filters.priorities, TASK_PRIORITIES, "priority"),
        assignee_user_id=assignee_user_id,
        unassigned=unassigned,
        q=search_text(filters.q),
        due_before=filters.due_before,
        sort=filters.sort,
        default_sort=default_sort,
        page=page,
    )
    return page_of(schemas.Task, [_task_values(r) for r in rows], total, page)


async def list_tasks(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.TaskFilters,
    page: PageRequest,
) -> Page[schemas.Task]:
    """Tasks across the workspace's projects, oldest first unless sorted otherwise."""
    return await _list_tasks(ctx, db, filters, page, default_sort="created_at")


async def count_tasks_by_status(
    ctx: WorkspaceContext, db: asyncpg.Connection, statuses: tuple[str, ...]
) -> dict[str, int]:
    """How many tasks have each of `statuses`, every one of them a key."""
    rows = await TasksRepository(db, ctx.workspace_id).count_by_status(statuses)
    counts = {r["status"]: int(r["n"]) for r in rows}
    return {status: counts.get(status, 0) for status in statuses}


async def list_project_tasks(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.TaskFilters,
    page: PageRequest,
) -> Page[schemas.Task]:
    """The tasks of the project `filters.project_id`, by number unless sorted otherwise."""
    project_id = filters.project_id
    if project_id is None or not await ProjectsRepository(db, ctx.workspace_id).exists(project_id):
        raise NotFound("Project not found.")
    return await _list_tasks(ctx, db, filters, page, default_sort="number")


async def get_task(
    ctx: WorkspaceContext, db: asyncpg.Connection, task_id: uuid.UUID
) -> schemas.Task:
    row = await TasksRepository(db, ctx.workspace_id).get(task_id)
    if row is None:
        raise NotFound("Task not found.")
    return _task(row)


async def _task_with_key(repo: TasksRepository, key: str) -> asyncpg.Record | None:
    """The task with a key like WEB-12 (any letter case), if `key` is one and it exists."""
    match = TASK_KEY.match(key.strip().upper())
    if match is None:
        return None
    return await repo.get_by_key(match.group(1), int(match.group(2)))


async def get_task_by_key(ctx: WorkspaceContext, db: asyncpg.Connection, key: str) -> schemas.Task:
    """The task with a key like WEB-12 (any letter case)."""
    row = await _task_with_key(TasksRepository(db, ctx.workspace_id), key)
    if row is None:
        raise NotFound("Task not found.")
    return _task(row)


async def search_tasks(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[schemas.Task]:
    """At most `limit` tasks for the global search: the one whose key `text` is (`WEB-12`,
    any letter case) first, then those with a title word starting with each word typed."""
    repo = TasksRepository(db, ctx.workspace_id)
    keyed = await _task_with_key(repo, text)
    found = [keyed] if keyed is not None else []
    query = prefix_query(text)
    if query is not None:
        titled = await repo.search(query=query, limit=limit)
        found += [row for row in titled if keyed is None or row["id"] != keyed["id"]]
    return [_task(row) for row in found[:limit]]


async def update_task(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    task_id: uuid.UUID,
    data: schemas.TaskUpdate,
) -> schemas.Task:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_task(ctx, db, task_id)
    repo = TasksRepository(db, ctx.workspace_id)
    dependency = changes.get("depends_on_task_id")
    # Depending on itself is refused by a CHECK constraint; longer cycles are checked here.
    if (
        dependency is not None
        and dependency != task_id
        and await repo.depends_on_transitively(task_id, dependency)
    ):
        raise invalid(
            "The dependency would make a cycle: that task already waits for this one.",
            "depends_on_task_id",
            "would create a dependency cycle",
            code="invalid_dependency",
        )
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await repo.update(task_id, changes)
    if row is None:
        raise NotFound("Task not found.")
    return _task(row)


async def delete_task(ctx: WorkspaceContext, db: asyncpg.Connection, task_id: uuid.UUID) -> None:
    if not await TasksRepository(db, ctx.workspace_id).delete(task_id):
        raise NotFound("Task not found.")


async def unassign_member(
    ctx: WorkspaceContext, db: asyncpg.Connection, user_id: uuid.UUID
) -> None:
    """The member `user_id` leaves the workspace: their tasks become unassigned."""
    await TasksRepository(db, ctx.workspace_id).unassign_user(user_id)
