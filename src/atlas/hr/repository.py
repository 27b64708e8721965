"""Every SQL statement on departments, employees, leave types and leave requests.

Each repository is built for one workspace and puts `workspace_id = $1` into every
statement and every insert; row-level security filters the same rows again. Constraint
violations (unique codes and e-mails, cross-tenant references) are raised as asyncpg
errors for the service to translate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.db.query import ScopedRepository, Where, fetch_page, rank, set_list
from atlas.db.sql import escape_like
from atlas.db.textsearch import fetch_matches
from atlas.hr.tables import (
    EMPLOYEE_STATUSES,
    LEAVE_STATUSES,
)
from atlas.pagination import PageRequest, order_by

DEPARTMENT_COLUMNS = """d.id, d.code, d.name, d.parent_department_id, d.manager_employee_id,
    d.created_at, d.updated_at"""
UPDATABLE_DEPARTMENT_COLUMNS = frozenset(
    {"code", "name", "parent_department_id", "manager_employee_id"}
)
DEPARTMENT_SORTS = {"code": "code", "name": "lower(name)", "created_at": "created_at"}

EMPLOYEE_COLUMNS = """e.id, e.number, e.first_name, e.last_name, e.work_email, e.user_id,
    e.department_id, e.manager_id, e.job_title, e.employment_type, e.start_date, e.end_date,
    e.status, e.salary, e.salary_currency, e.created_at, e.updated_at"""
UPDATABLE_EMPLOYEE_COLUMNS = frozenset(
    {
        "first_name",
        "last_name",
        "work_email",
        "user_id",
        "department_id",
        "manager_id",
        "job_title",
        "employment_type",
        "start_date",
        "end_date",
        "status",
        "salary",
        "salary_currency",
    }
)
EMPLOYEE_SORTS = {
    "number": "number",
    "last_name": "lower(last_name)",
    "first_name": "lower(first_name)",
    "status": rank("status", EMPLOYEE_STATUSES),
    "start_date": "start_date",
    "created_at": "created_at",
}

LEAVE_TYPE_COLUMNS = "lt.id, lt.name, lt.yearly_allowance_days, lt.created_at, lt.updated_at"
UPDATABLE_LEAVE_TYPE_COLUMNS = frozenset({"name", "yearly_allowance_days"})
LEAVE_TYPE_SORTS = {"name": "lower(name)", "created_at": "created_at"}

LEAVE_REQUEST_COLUMNS = """r.id, r.employee_id, r.leave_type_id, r.start_date, r.end_date,
    r.start_half_day, r.end_half_day, r.days, r.status, r.reason, r.decision_note,
    r.requested_by_user_id, r.decided_by_user_id, r.decided_at, r.created_at, r.updated_at"""
LEAVE_REQUEST_SORTS = {
    "start_date": "start_date",
    "end_date": "end_date",
    "status": rank("status", LEAVE_STATUSES),
    "created_at": "created_at",
}
# Requests that hold their days: they block overlapping requests and count in balances.
ACTIVE_LEAVE = ("pending", "approved")


class DepartmentsRepository(ScopedRepository):
    async def create(
        self,
        *,
        code: str,
        name: str,
        parent_department_id: uuid.UUID | None,
        manager_employee_id: uuid.UUID | None,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO departments AS d (workspace_id, id, code, name, parent_department_id,
                                             manager_employee_id)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING {DEPARTMENT_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            code,
            name,
            parent_department_id,
            manager_employee_id,
        )
        assert row is not None
        return row

    async def get(self, department_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {DEPARTMENT_COLUMNS} FROM departments d
                 WHERE d.workspace_id = $1 AND d.id = $2""",
            self.workspace_id,
            department_id,
        )

    async def many(self, department_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
        """The departments of these ids (unknown ones are left out), in one statement."""
        return await self.db.fetch(
            f"""SELECT {DEPARTMENT_COLUMNS} FROM departments d
                 WHERE d.workspace_id = $1 AND d.id = ANY($2::uuid[])""",
            self.workspace_id,
            list(department_ids),
        )

    async def list(
        self,
        *,
        parent_department_id: uuid.UUID | None,
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, DEPARTMENT_SORTS, "code")
        where = Where(self.workspace_id, "d")
        if parent_department_id is not None:
            where.add(f"d.parent_department_id = {where.param(parent_department_id)}")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(d.code ILIKE {pattern} OR d.name ILIKE {pattern})")
        return await fetch_page(
            self.db, DEPARTMENT_COLUMNS, "departments d", where, order, page.limit, page.offset
        )

    async def search(self, *, query: str, limit: int) -> Sequence[asyncpg.Record]:
        """Departments whose code or name matches `query` (the best first)."""
        return await fetch_matches(
            self.db,
            DEPARTMENT_COLUMNS,
            "departments d",
            Where(self.workspace_id, "d"),
            query,
            "lower(d.name), d.id",
            limit,
        )

    async def update(
        self, department_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        """The changed department, or None if there is none with this id."""
        sets = set_list(changes, UPDATABLE_DEPARTMENT_COLUMNS, first=3)
        return await self.db.fetchrow(
            f"""UPDATE departments AS d SET {sets}, updated_at = now()
                WHERE d.workspace_id = $1 AND d.id = $2 RETURNING {DEPARTMENT_COLUMNS}""",
            self.workspace_id,
            department_id,
            *changes.values(),
        )

    async def delete(self, department_id: uuid.UUID) -> bool:
        """Deletes the department; its employees lose it first, children refuse it."""
        return await self.delete_referenced(
            "departments", department_id, [("employees", "department_id")]
        )

    async def is_ancestor_or_self(self, department_id: uuid.UUID, candidate_id: uuid.UUID) -> bool:
        """Whether `department_id` is `candidate_id` or one of its ancestors: making
        `candidate_id` its parent would close a cycle. Holds the workspace's lock on parent
        changes until the transaction ends, so concurrent changes cannot both pass."""
        return await self.chain_reaches(
            "departments", "parent_department_id", candidate_id, department_id
        )


class EmployeesRepository(ScopedRepository):
    async def create(self, *, number: int, **fields: Any) -> asyncpg.Record:
        columns = list(fields)
        unknown = set(columns) - UPDATABLE_EMPLOYEE_COLUMNS
        if unknown:
            raise ValueError(f"not insertable: {', '.join(sorted(unknown))}")
        placeholders = ", ".join(f"${i}" for i in range(4, 4 + len(columns)))
        row = await self.db.fetchrow(
            f"""INSERT INTO employees AS e (workspace_id, id, number, {", ".join(columns)})
                VALUES ($1, $2, $3, {placeholders}) RETURNING {EMPLOYEE_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            number,
            *fields.values(),
        )
        assert row is not None
        await self._remember_link(row)
        return row

    async def _remember_link(self, row: asyncpg.Record) -> None:
        """Adds the employee's linked user, if any, to the record's link history."""
        if row["user_id"] is None:
            return
        await self.db.execute(
            """INSERT INTO employee_user_links (workspace_id, id, employee_id, user_id)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (workspace_id, employee_id, user_id) DO NOTHING""",
            self.workspace_id,
            uuid7(),
            row["id"],
            row["user_id"],
        )

    async def get(self, employee_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {EMPLOYEE_COLUMNS} FROM employees e WHERE e.workspace_id = $1 AND e.id = $2",
            self.workspace_id,
            employee_id,
        )

    async def many(self, employee_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
        """The employees of these ids (unknown ones are left out), in one statement."""
        return await self.db.fetch(
            f"""SELECT {EMPLOYEE_COLUMNS} FROM employees e
                 WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])""",
            self.workspace_id,
            list(employee_ids),
        )

    async def exists(self, employee_id: uuid.UUID) -> bool:
        found = await self.db.fetchval(
            "SELECT true FROM employees WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            employee_id,
        )
        return bool(found)

    async def lock(self, employee_id: uuid.UUID) -> asyncpg.Record | None:
        """The employee's id, user and manager, locked until the transaction ends: leave
        requests of one employee are filed one at a time."""
        return await self.db.fetchrow(
            """SELECT id, user_id, manager_id FROM employees
                WHERE workspace_id = $1 AND id = $2 FOR UPDATE""",
            self.workspace_id,
            employee_id,
        )

    async def lock_of_user(self, user_id: uuid.UUID) -> asyncpg.Record | None:
        """The employee linked to a member, locked like `lock`."""
        return await self.db.fetchrow(
            """SELECT id, user_id, manager_id FROM employees
                WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE""",
            self.workspace_id,
            user_id,
        )

    async def id_of_user(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """The employee linked to the member `user_id`, if any (a unique key: at most one)."""
        found: uuid.UUID | None = await self.db.fetchval(
            "SELECT id FROM employees WHERE workspace_id = $1 AND user_id = $2",
            self.workspace_id,
            user_id,
        )
        return found

    async def list(
        self,
        *,
        department_id: uuid.UUID | None,
        manager_id: uuid.UUID | None,
        statuses: Sequence[str],
        q: str | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, EMPLOYEE_SORTS, "number")
        where = Where(self.workspace_id, "e")
        if department_id is not None:
            where.add(f"e.department_id = {where.param(department_id)}")
        if manager_id is not None:
            where.add(f"e.manager_id = {where.param(manager_id)}")
        if statuses:
            where.add(f"e.status = ANY({where.param(list(statuses))}::text[])")
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(
                f"(e.first_name ILIKE {pattern} OR e.last_name ILIKE {pattern}"
                f" OR (e.first_name || ' ' || e.last_name) ILIKE {pattern}"
                f" OR e.work_email ILIKE {pattern})"
            )
        return await fetch_page(
            self.db, EMPLOYEE_COLUMNS, "employees e", where, order, page.limit, page.offset
        )

    async def search(self, *, query: str, limit: int) -> Sequence[asyncpg.Record]:
        """Employees whose names or work e-mail match `query` (the best first)."""
        return await fetch_matches(
            self.db,
            EMPLOYEE_COLUMNS,
            "employees e",
            Where(self.workspace_id, "e"),
            query,
            "lower(e.last_name), lower(e.first_name), e.id",
            limit,
        )

    async def headcount_by_department(self) -> Sequence[asyncpg.Record]:
        """Employees not terminated, per department name (None: no department), most first."""
        return await self.db.fetch(
            """SELECT d.name AS department, count(*) AS n
                 FROM employees e
                 LEFT JOIN departments d
                        ON d.workspace_id = e.workspace_id AND d.id = e.department_id
                WHERE e.workspace_id = $1 AND e.status <> 'terminated'
                GROUP BY d.name ORDER BY count(*) DESC, d.name NULLS LAST""",
            self.workspace_id,
        )

    async def update(
        self, employee_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        """The changed employee, or None if there is none with this id; a new link to a
        user joins the record's link history."""
        sets = set_list(changes, UPDATABLE_EMPLOYEE_COLUMNS, first=3)
        row = await self.db.fetchrow(
            f"""UPDATE employees AS e SET {sets}, updated_at = now()
                WHERE e.workspace_id = $1 AND e.id = $2 RETURNING {EMPLOYEE_COLUMNS}""",
            self.workspace_id,
            employee_id,
            *changes.values(),
        )
        if row is not None and "user_id" in changes:
            await self._remember_link(row)
        return row

    async def delete(self, employee_id: uuid.UUID) -> bool:
        """Deletes the employee with their leave requests; their reports and departments
        lose them as manager first."""
        return await self.delete_referenced(
            "employees",
            employee_id,
            [("employees", "manager_id"), ("departments", "manager_employee_id")],
        )

    async def unlink_user(self, user_id: uuid.UUID) -> None:
        """The record linked to the member `user_id` loses the link (its history stays)."""
        await self.clear_references("employees", "user_id", user_id)

    async def manages_transitively(self, employee_id: uuid.UUID, candidate_id: uuid.UUID) -> bool:
        """Whether `employee_id` is `candidate_id` or above it in the manager chain: making
        `candidate_id` their manager would close a cycle. Holds the workspace's lock on
        manager changes until the transaction ends, so concurrent changes cannot both pass."""
        return await self.chain_reaches("employees", "manager_id", candidate_id, employee_id)


class LeaveTypesRepository(ScopedRepository):
    async def create(self, *, name: str, yearly_allowance_days: Decimal) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO leave_types AS lt (workspace_id, id, name, yearly_allowance_days)
                VALUES ($1, $2, $3, $4) RETURNING {LEAVE_TYPE_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            name,
            yearly_allowance_days,
        )
        assert row is not None
        return row

    async def get(self, leave_type_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {LEAVE_TYPE_COLUMNS} FROM leave_types lt
                 WHERE lt.workspace_id = $1 AND lt.id = $2""",
            self.workspace_id,
            leave_type_id,
        )

    async def list(
        self, *, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, LEAVE_TYPE_SORTS, "name")
        where = Where(self.workspace_id, "lt")
        if q:
            where.add(f"lt.name ILIKE {where.param(f'%{escape_like(q)}%')}")
        return await fetch_page(
            self.db, LEAVE_TYPE_COLUMNS, "leave_types lt", where, order, page.limit, page.offset
        )

    async def update(
        self, leave_type_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> asyncpg.Record | None:
        sets = set_list(changes, UPDATABLE_LEAVE_TYPE_COLUMNS, first=3)
        return await self.db.fetchrow(
            f"""UPDATE leave_types AS lt SET {sets}, updated_at = now()
                WHERE lt.workspace_id = $1 AND lt.id = $2 RETURNING {LEAVE_TYPE_COLUMNS}""",
            self.workspace_id,
            leave_type_id,
            *changes.values(),
        )

    async def delete(self, leave_type_id: uuid.UUID) -> bool:
        """Deletes the leave type; requests of that type refuse it (foreign key)."""
        result = await self.db.execute(
            "DELETE FROM leave_types WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            leave_type_id,
        )
        return result != "DELETE 0"


class LeaveRequestsRepository(ScopedRepository):
    async def waiting(
        self, approver_employee_id: uuid.UUID | None, everyone: bool, limit: int
    ) -> list[asyncpg.Record]:
        """Pending requests, soonest first, with the employee's names and the leave type:
        all of them with `everyone`, else those of the employees `approver_employee_id`
        manages."""
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

    async def create(
        self,
        *,
        employee_id: uuid.UUID,
        leave_type_id: uuid.UUID,
        start_date: date,
        end_date: date,
        start_half_day: bool,
        end_half_day: bool,
        days: Decimal,
        reason: str,
        requested_by_user_id: uuid.UUID,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO leave_requests AS r (workspace_id, id, employee_id, leave_type_id,
                                                start_date, end_date, start_half_day,
                                                end_half_day, days, reason,
                                                requested_by_user_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                RETURNING {LEAVE_REQUEST_COLUMNS}""",
            self.workspace_id,
            uuid7(),
            employee_id,
            leave_type_id,
            start_date,
            end_date,
            start_half_day,
            end_half_day,
            days,
            reason,
            requested_by_user_id,
        )
        assert row is not None
        return row

    async def overlaps(self, employee_id: uuid.UUID, start_date: date, end_date: date) -> bool:
        """Whether a pending or approved request of the employee shares a day with the range."""
        found = await self.db.fetchval(
            """SELECT EXISTS (
                   SELECT 1 FROM leave_requests
                    WHERE workspace_id = $1 AND employee_id = $2
                      AND status = ANY($5::text[])
                      AND start_date <= $4 AND end_date >= $3)""",
            self.workspace_id,
            employee_id,
            start_date,
            end_date,
            list(ACTIVE_LEAVE),
        )
        return bool(found)

    async def get(self, request_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {LEAVE_REQUEST_COLUMNS} FROM leave_requests r
                 WHERE r.workspace_id = $1 AND r.id = $2""",
            self.workspace_id,
            request_id,
        )

    # What deciding on or cancelling a request depends on: its status and requester, its
    # employee's user and manager, and whether the employee record is or was linked to $3.
    _DECISION_FACTS = """SELECT r.id, r.status, r.employee_id, r.requested_by_user_id,
                               e.user_id AS employee_user_id,
                               e.manager_id AS employee_manager_id,
                               EXISTS (SELECT 1 FROM employee_user_links l
                                        WHERE l.workspace_id = $1 AND l.employee_id = e.id
                                          AND l.user_id = $3) AS ever_linked
                          FROM leave_requests r
                          JOIN employees e ON e.workspace_id = $1 AND e.id = r.employee_id
                         WHERE r.workspace_id = $1"""

    async def lock_with_employee(
        self, request_id: uuid.UUID, user_id: uuid.UUID
    ) -> asyncpg.Record | None:
        """The decision facts of a request for `user_id`, the request locked so that
        decisions and cancellations do not cross."""
        return await self.db.fetchrow(
            f"{self._DECISION_FACTS} AND r.id = $2 FOR UPDATE OF r",
            self.workspace_id,
            request_id,
            user_id,
        )

    async def with_employees(
        self, request_ids: Sequence[uuid.UUID], user_id: uuid.UUID
    ) -> list[asyncpg.Record]:
        """The decision facts of the requests for `user_id`, read without locks."""
        return await self.db.fetch(
            f"{self._DECISION_FACTS} AND r.id = ANY($2::uuid[])",
            self.workspace_id,
            list(request_ids),
            user_id,
        )

    async def set_status(
        self,
        request_id: uuid.UUID,
        status: str,
        decided_by_user_id: uuid.UUID | None,
        note: str = "",
    ) -> asyncpg.Record:
        """Moves the request to `status`; a decider (approve, reject) is recorded with the time
        and their note. The decision columns are set or left out, not chosen in SQL: Citus
        refuses now() inside a CASE."""
        decision = [] if decided_by_user_id is None else [decided_by_user_id, note]
        decided = (
            ", decided_by_user_id = $4, decision_note = $5, decided_at = now()" if decision else ""
        )
        row = await self.db.fetchrow(
            f"""UPDATE leave_requests AS r SET status = $3, updated_at = now(){decided}
                 WHERE r.workspace_id = $1 AND r.id = $2 RETURNING {LEAVE_REQUEST_COLUMNS}""",
            self.workspace_id,
            request_id,
            status,
            *decision,
        )
        assert row is not None
        return row

    async def list(
        self,
        *,
        employee_id: uuid.UUID | None,
        leave_type_id: uuid.UUID | None,
        statuses: Sequence[str],
        date_from: date | None,
        date_to: date | None,
        sort: str | None,
        page: PageRequest,
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, LEAVE_REQUEST_SORTS, "start_date")
        where = Where(self.workspace_id, "r")
        if employee_id is not None:
            where.add(f"r.employee_id = {where.param(employee_id)}")
        if leave_type_id is not None:
            where.add(f"r.leave_type_id = {where.param(leave_type_id)}")
        if statuses:
            where.add(f"r.status = ANY({where.param(list(statuses))}::text[])")
        if date_from is not None:
            where.add(f"r.end_date >= {where.param(date_from)}")
        if date_to is not None:
            where.add(f"r.start_date <= {where.param(date_to)}")
        return await fetch_page(
            self.db,
            LEAVE_REQUEST_COLUMNS,
            "leave_requests r",
            where,
            order,
            page.limit,
            page.offset,
        )

    async def balance(self, employee_id: uuid.UUID, year: int) -> Sequence[asyncpg.Record]:
        """Per leave type: the allowance and the employee's approved and pending days of
        requests that start in `year`."""
        return await self.db.fetch(
            """SELECT lt.id AS leave_type_id, lt.name AS leave_type_name,
                      lt.yearly_allowance_days AS allowance_days,
                      coalesce(sum(r.days) FILTER (WHERE r.status = 'approved'), 0) AS taken_days,
                      coalesce(sum(r.days) FILTER (WHERE r.status = 'pending'), 0) AS pending_days
                 FROM leave_types lt
                 LEFT JOIN leave_requests r
                   ON r.workspace_id = $1 AND r.leave_type_id = lt.id AND r.employee_id = $2
                  AND r.start_date >= make_date($3, 1, 1) AND r.start_date < make_date($3 + 1, 1, 1)
                WHERE lt.workspace_id = $1
                GROUP BY lt.id, lt.name, lt.yearly_allowance_days
                ORDER BY lower(lt.name), lt.id""",
            self.workspace_id,
            employee_id,
            year,
        )
