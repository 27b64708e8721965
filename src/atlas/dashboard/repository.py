"""Cross-module figures of one workspace for the dashboard, read only."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from atlas.db.query import ScopedRepository


class DashboardRepository(ScopedRepository):
    async def open_tasks_by_status(self) -> list[asyncpg.Record]:
        return await self.db.fetch(
            """SELECT status, count(*) AS n FROM tasks
                WHERE workspace_id = $1 AND status NOT IN ('done', 'cancelled')
                GROUP BY status""",
            self.workspace_id,
        )

    async def headcount_by_department(self) -> list[asyncpg.Record]:
        return await self.db.fetch(
            """SELECT d.name AS department, count(*) AS n
                 FROM employees e
                 LEFT JOIN departments d
                        ON d.workspace_id = e.workspace_id AND d.id = e.department_id
                WHERE e.workspace_id = $1 AND e.status <> 'terminated'
                GROUP BY d.name ORDER BY count(*) DESC, d.name NULLS LAST""",
            self.workspace_id,
        )

    async def revenue_by_month(self, since: date, currency: str) -> list[asyncpg.Record]:
        """Invoiced revenue (issued and paid invoices, by issue month) in one currency."""
        return await self.db.fetch(
            """SELECT date_trunc('month', issue_date)::date AS month, sum(subtotal) AS amount
                 FROM invoices
                WHERE workspace_id = $1 AND status IN ('issued', 'paid')
                  AND issue_date >= $2 AND currency = $3
                GROUP BY 1""",
            self.workspace_id,
            since,
            currency,
        )

    async def leave_waiting(
        self, approver_employee_id: uuid.UUID | None, everyone: bool, limit: int
    ) -> list[asyncpg.Record]:
        """Pending leave requests the viewer may decide: all of them with `everyone`, else
        those of the employees they manage."""
        return await self.db.fetch(
            """SELECT r.id, r.start_date, r.end_date, r.days, e.first_name, e.last_name,
                      t.name AS leave_type
                 FROM leave_requests r
                 JOIN employees e ON e.workspace_id = r.workspace_id AND e.id = r.employee_id
                 JOIN leave_types t ON t.workspace_id = r.workspace_id AND t.id = r.leave_type_id
                WHERE r.workspace_id = $1 AND r.status = 'pending'
                  AND ($2 OR e.manager_id = $3)
                ORDER BY r.start_date, r.id LIMIT $4""",
            self.workspace_id,
            everyone,
            approver_employee_id,
            limit,
        )
