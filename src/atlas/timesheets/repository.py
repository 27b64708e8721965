"""Every SQL statement on time entries: the one place that writes `time_entries`.

The repository is built for one workspace and puts `workspace_id = $1` into every
statement and every insert (joined tables included); row-level security filters the same
rows again. Constraint violations are raised as asyncpg errors for the service to
translate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, set_list
from atlas.pagination import PageRequest, order_by

# A module-level name: the repository's `list` method shadows the builtin in its body.
Records = list[asyncpg.Record]

TIME_ENTRY_COLUMNS = """te.id, te.employee_id, te.project_id, te.task_id, te.entry_date,
    te.hours, te.description, te.billable, te.hourly_rate, te.invoice_id, te.created_at,
    te.updated_at"""
UPDATABLE_TIME_ENTRY_COLUMNS = frozenset(
    {
        "employee_id",
        "project_id",
        "task_id",
        "entry_date",
        "hours",
        "description",
        "billable",
        "hourly_rate",
    }
)
TIME_ENTRY_SORTS = {"entry_date": "entry_date", "hours": "hours", "created_at": "created_at"}


class TimeEntriesRepository(ScopedRepository):
    async def hours_on(
        self, employee_id: uuid.UUID, entry_date: date, *, excluding: uuid.UUID | None
    ) -> Decimal:
        total: Decimal = await self.db.fetchval(
            """SELECT coalesce(sum(hours), 0) FROM time_entries
                WHERE workspace_id = $1 AND employee_id = $2 AND entry_date = $3
                  AND ($4::uuid IS NULL OR id <> $4)""",
            self.workspace_id,
            employee_id,
            entry_date,
            excluding,
        )
        return total

    async def create(
        self,
        *,
        employee_id: uuid.UUID,
        project_id: uuid.UUID,
        task_id: uuid.UUID | None,
        entry_date: date,
        hours: Decimal,
        description: str,
        billable: bool,
        hourly_rate: Decimal | None,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO time_entries AS te (workspace_id, id, employee_id, project_id,
                                               task_id, entry_date, hours, description,
                                               billable, hourly_rate)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {TIME_ENTRY_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            employee_id,
            project_id,
            task_id,
            entry_date,
            hours,
            description,
            billable,
            hourly_rate,
        )
        assert row is not None
        return row

    async def get(self, entry_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
        lock = " FOR UPDATE" if for_update else ""
        return await self.db.fetchrow(
            f"""SELECT {TIME_ENTRY_COLUMNS} FROM time_entries te
                WHERE te.workspace_id = $1 AND te.id = $2{lock}""",
            self.workspace_id,
            entry_id,
        )

    async def list(
        self,
        *,
        employee_id: uuid.UUID | None,
        project_id: uuid.UUID | None,
        date_from: date | None,
        date_to: date | None,
        billable: bool | None,
        invoiced: bool | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[Records, int]:
        order = order_by(sort, TIME_ENTRY_SORTS, "-entry_date")
        where = Where(self.workspace_id, "te")
        if employee_id is not None:
            where.add(f"te.employee_id = {where.param(employee_id)}")
        if project_id is not None:
            where.add(f"te.project_id = {where.param(project_id)}")
        if date_from is not None:
            where.add(f"te.entry_date >= {where.param(date_from)}")
        if date_to is not None:
            where.add(f"te.entry_date <= {where.param(date_to)}")
        if billable is not None:
            where.add(f"te.billable = {where.param(billable)}")
        if invoiced is not None:
            where.add("te.invoice_id IS NOT NULL" if invoiced else "te.invoice_id IS NULL")
        return await fetch_page(
            self.db, TIME_ENTRY_COLUMNS, "time_entries te", where, order, page.limit, page.offset
        )

    async def update(self, entry_id: uuid.UUID, changes: Mapping[str, Any]) -> asyncpg.Record:
        sets = set_list(changes, UPDATABLE_TIME_ENTRY_COLUMNS, first=3)
        row = await self.db.fetchrow(
            f"""UPDATE time_entries AS te SET {sets}, updated_at = now()
                WHERE te.workspace_id = $1 AND te.id = $2 RETURNING {TIME_ENTRY_COLUMNS}""",
            self.workspace_id,
            entry_id,
            *changes.values(),
        )
        assert row is not None
        return row

    async def delete(self, entry_id: uuid.UUID) -> None:
        await self.db.execute(
            "DELETE FROM time_entries WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            entry_id,
        )

    async def uninvoiced(self, project_id: uuid.UUID, date_from: date, date_to: date) -> Records:
        """The project's billable, uninvoiced entries in the range, locked: a concurrent
        invoice from time waits, then finds them invoiced. The names of the project, task
        and employee come along for the invoice lines."""
        return await self.db.fetch(
            """SELECT te.id, te.hours, te.hourly_rate, te.task_id, te.employee_id,
                      p.code AS project_code, t.number AS task_number, t.title AS task_title,
                      e.first_name, e.last_name
                 FROM time_entries te
                 JOIN projects p ON p.workspace_id = $1 AND p.id = te.project_id
                 JOIN employees e ON e.workspace_id = $1 AND e.id = te.employee_id
                 LEFT JOIN tasks t ON t.workspace_id = $1 AND t.id = te.task_id
                WHERE te.workspace_id = $1 AND te.project_id = $2 AND te.billable
                  AND te.invoice_id IS NULL AND te.entry_date BETWEEN $3 AND $4
                ORDER BY te.entry_date, te.id
                  FOR UPDATE OF te""",
            self.workspace_id,
            project_id,
            date_from,
            date_to,
        )

    async def mark_invoiced(self, entry_ids: Sequence[uuid.UUID], invoice_id: uuid.UUID) -> None:
        await self.db.execute(
            """UPDATE time_entries SET invoice_id = $3, updated_at = now()
                WHERE workspace_id = $1 AND id = ANY($2::uuid[])""",
            self.workspace_id,
            list(entry_ids),
            invoice_id,
        )

    async def release_invoice(self, invoice_id: uuid.UUID) -> None:
        """Frees the entries of a deleted or voided invoice, to be invoiced again."""
        await self.db.execute(
            """UPDATE time_entries SET invoice_id = NULL, updated_at = now()
                WHERE workspace_id = $1 AND invoice_id = $2""",
            self.workspace_id,
            invoice_id,
        )
