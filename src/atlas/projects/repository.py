"""Every SQL statement on projects and tasks (and on the time entries' task, which deleting
the task clears).

Both repositories are built for one workspace and put `workspace_id = $1` into every
statement and every insert; row-level security filters the same rows again. Constraint
violations (unique code, cross-tenant or cross-project references) are raised as asyncpg
errors for the service to translate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, rank, set_list
from atlas.db.sql import escape_like
from atlas.db.textsearch import fetch_matches
from atlas.pagination import PageRequest, order_by
from atlas.projects.tables import (
    PROJECT_STATUSES,
    TASK_PRIORITIES,
    TASK_STATUSES,
)

# Task counts by status ride along with each project, as an integer array in the order of
# TASK_STATUSES: one pass over the project's slice of the (workspace_id, project_id, ...)
# index, decoded by asyncpg without JSON.
_COUNTS = ", ".join(f"count(*) FILTER (WHERE t.status = '{s}')" for s in TASK_STATUSES)
PROJECT_COLUMNS = f"""p.id, p.code, p.name, p.description, p.status, p.start_date, p.end_date,
    p.budget, p.currency, p.created_at, p.updated_at,
    (SELECT ARRAY[{_COUNTS}] FROM tasks t
      WHERE t.workspace_id = $1 AND t.project_id = p.id) AS task_counts"""
UPDATABLE_PROJECT_COLUMNS = frozenset(
    {"code", "name", "description", "status", "start_date", "end_date", "budget", "currency"}
)
PROJECT_SORTS = {
    "code": "code",
    "name": "lower(name)",
    "status": rank("status", PROJECT_STATUSES),
    "start_date": "start_date",
    "created_at": "created_at",
}

TASK_COLUMNS = """t.id, t.project_id,
    (SELECT p.code FROM projects p WHERE p.workspace_id = $1 AND p.id = t.project_id)
      AS project_code,
    t.number, t.title, t.description, t.status, t.priority, t.assignee_user_id, t.due_date,
    t.estimate_hours, t.depends_on_task_id, t.created_at, t.updated_at"""
UPDATABLE_TASK_COLUMNS = frozenset(
    {
        "title",
        "description",
        "status",
        "priority",
        "assignee_user_id",
        "due_date",
        "estimate_hours",
        "depends_on_task_id",
    }
)
TASK_SORTS = {
    "number": "number",
    "title": "lower(title)",
    "status": rank("status", TASK_STATUSES),
    "priority": rank("priority", TASK_PRIORITIES),
    "due_date": "due_date",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


class ProjectsRepository(ScopedRepository):
    async def create(
        self,
        *,
        code: str,
        name: str,
        description: str,
        status: str,
        start_date: date | None,
        end_date: date | None,
        budget: Any,
        currency: str | None,
    ) -> asyncpg.Record:
        """A new project; without a currency, the workspace's base currency (global table).
        Read after the write: Citus refuses the task counts' sub-select in RETURNING."""
        if currency is None:
            currency = await self.base_currency()
        project_id = uuid7()
        await self.db.execute(
            """INSERT INTO projects (workspace_id, id, code, name, description, status,
                                    start_date, end_date, budget, currency)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            self.workspace_id,
            project_id,
            code,
            name,
            description,
            status,
            start_date,
            end_date,
            budget,
            currency,
        )
        row = await self.get(project_id)
        assert row is not None
        return row

    async def get(self, project_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.workspace_id = $1 AND p.id = $2",
            self.workspace_id,
            project_id,
        )

    async def exists(self, project_id: uuid.UUID) -> bool:
        found = await self.db.fetchval(
            "SELECT true FROM projects WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            project_id,
        )
        return bool(found)

    async def list(
        self, *, statuses: Sequence[str], q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, PROJECT_SORTS, "code")
        where = Where(self.workspace_id, "p")
        if statuses:
            where.add(f"p.status = ANY({where.param(list(statuses))}::text[])")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(
                f"(p.code ILIKE {pattern} OR p.name ILIKE {pattern}"
                f" OR p.description ILIKE {pattern})"
            )
        return await fetch_page(
            self.db, PROJECT_COLUMNS, "projects p", where, order, page.limit, page.offset
        )

    async def search(self, *, query: str, limit: int) -> Sequence[asyncpg.Record]:
        """Projects whose code or name matches `query` (the best first)."""
        return await fetch_matches(
            self.db,
            PROJECT_COLUMNS,
            "projects p",
            Where(self.workspace_id, "p"),
            query,
            "p.code, p.id",
            limit,
        )

    async def update(
        self, project_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        """The changed project, or None if there is none with this id (read after the
        write: Citus refuses the task counts' sub-select in RETURNING)."""
        sets = set_list(changes, UPDATABLE_PROJECT_COLUMNS, first=3)
        await self.db.execute(
            f"""UPDATE projects SET {sets}, updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            project_id,
            *changes.values(),
        )
        return await self.get(project_id)

    async def delete(self, project_id: uuid.UUID) -> bool:
        """Deletes the project; its tasks go with it (ON DELETE CASCADE)."""
        result = await self.db.execute(
            "DELETE FROM projects WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            project_id,
        )
        return result != "DELETE 0"

    async def take_task_number(self, project_id: uuid.UUID) -> asyncpg.Record | None:
        """The project's code and next task number, or None if there is no such project.

        The row lock serialises concurrent creators until their transaction ends, and a
        rollback returns the number: numbers have neither gaps nor duplicates.
        """
        return await self.db.fetchrow(
            """UPDATE projects SET last_task_number = last_task_number + 1, updated_at = now()
                WHERE workspace_id = $1 AND id = $2 RETURNING code, last_task_number""",
            self.workspace_id,
            project_id,
        )


class TasksRepository(ScopedRepository):
    async def create(
        self,
        *,
        project_id: uuid.UUID,
        number: int,
        title: str,
        description: str,
        status: str,
        priority: str,
        assignee_user_id: uuid.UUID | None,
        due_date: date | None,
        estimate_hours: Any,
        depends_on_task_id: uuid.UUID | None,
    ) -> asyncpg.Record:
        """The new task, read after the write (Citus refuses the project code's sub-select
        in RETURNING)."""
        task_id = uuid7()
        await self.db.execute(
            """INSERT INTO tasks (workspace_id, id, project_id, number, title, description,
                                 status, priority, assignee_user_id, due_date,
                                 estimate_hours, depends_on_task_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
            self.workspace_id,
            task_id,
            project_id,
            number,
            title,
            description,
            status,
            priority,
            assignee_user_id,
            due_date,
            estimate_hours,
            depends_on_task_id,
        )
        row = await self.get(task_id)
        assert row is not None
        return row

    async def get(self, task_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {TASK_COLUMNS} FROM tasks t WHERE t.workspace_id = $1 AND t.id = $2",
            self.workspace_id,
            task_id,
        )

    async def get_by_key(self, project_code: str, number: int) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {TASK_COLUMNS} FROM tasks t
                 WHERE t.workspace_id = $1 AND t.number = $3
                   AND t.project_id = (SELECT p.id FROM projects p
                                        WHERE p.workspace_id = $1 AND p.code = $2)""",
            self.workspace_id,
            project_code,
            number,
        )

    async def list(
        self,
        *,
        project_id: uuid.UUID | None,
        statuses: Sequence[str],
        priorities: Sequence[str],
        assignee_user_id: uuid.UUID | None,
        unassigned: bool,
        q: str | None,
        due_before: date | None,
        sort: str | None,
        default_sort: str,
        page: PageRequest,
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, TASK_SORTS, default_sort)
        where = Where(self.workspace_id, "t")
        if project_id is not None:
            where.add(f"t.project_id = {where.param(project_id)}")
        if statuses:
            where.add(f"t.status = ANY({where.param(list(statuses))}::text[])")
        if priorities:
            where.add(f"t.priority = ANY({where.param(list(priorities))}::text[])")
        if unassigned:
            where.add("t.assignee_user_id IS NULL")
        elif assignee_user_id is not None:
            where.add(f"t.assignee_user_id = {where.param(assignee_user_id)}")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(t.title ILIKE {pattern} OR t.description ILIKE {pattern})")
        if due_before is not None:
            where.add(f"t.due_date < {where.param(due_before)}")
        return await fetch_page(
            self.db, TASK_COLUMNS, "tasks t", where, order, page.limit, page.offset
        )

    async def search(self, *, query: str, limit: int) -> Sequence[asyncpg.Record]:
        """Tasks whose title matches `query` (the best first)."""
        return await fetch_matches(
            self.db,
            TASK_COLUMNS,
            "tasks t",
            Where(self.workspace_id, "t"),
            query,
            "lower(t.title), t.id",
            limit,
        )

    async def count_by_status(self, statuses: Sequence[str]) -> Sequence[asyncpg.Record]:
        """How many tasks have each of `statuses` (absent statuses have none)."""
        return await self.db.fetch(
            """SELECT status, count(*) AS n FROM tasks
                WHERE workspace_id = $1 AND status = ANY($2::text[])
                GROUP BY status""",
            self.workspace_id,
            list(statuses),
        )

    async def update(self, task_id: uuid.UUID, changes: Mapping[str, Any]) -> asyncpg.Record | None:
        """The changed task, or None if there is none with this id (read after the write,
        as `create`)."""
        sets = set_list(changes, UPDATABLE_TASK_COLUMNS, first=3)
        await self.db.execute(
            f"""UPDATE tasks SET {sets}, updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            task_id,
            *changes.values(),
        )
        return await self.get(task_id)

    async def delete(self, task_id: uuid.UUID) -> bool:
        """Deletes the task; tasks that depended on it lose the dependency, and time logged
        on it stays on its project without the task (timesheets depends on projects, not
        the other way, so the task's repository clears the entries' link)."""
        return await self.delete_referenced(
            "tasks", task_id, [("tasks", "depends_on_task_id"), ("time_entries", "task_id")]
        )

    async def unassign_user(self, user_id: uuid.UUID) -> None:
        """The tasks assigned to the member `user_id` become unassigned."""
        await self.clear_references("tasks", "assignee_user_id", user_id)

    async def depends_on_transitively(self, task_id: uuid.UUID, candidate_id: uuid.UUID) -> bool:
        """Whether `candidate_id` already depends, directly or through others, on `task_id`.
        Holds the workspace's lock on dependency changes until the transaction ends, so
        concurrent changes cannot both pass."""
        return await self.chain_reaches("tasks", "depends_on_task_id", candidate_id, task_id)
