"""HR: departments, employees, leave types and leave requests, over repositories built for
the caller's workspace.

The database holds the invariants (unique codes, names and e-mails per workspace, references
inside one workspace, date order); this module turns their violations into API errors and
adds what constraints cannot say: reporting cycles, who sees salaries, who may file, decide
or cancel leave, how many days a request takes, and that leave does not overlap.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg

from atlas.db.textsearch import prefix_query
from atlas.errors import AtlasError, Conflict, Forbidden, NotFound
from atlas.hr import schemas
from atlas.hr.repository import (
    DepartmentsRepository,
    EmployeesRepository,
    LeaveRequestsRepository,
    LeaveTypesRepository,
)
from atlas.hr.tables import EMPLOYEE_STATUSES, LEAVE_STATUSES
from atlas.numbering.repository import NumberSequences
from atlas.pagination import Page, PageRequest, page_of
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import choices, constraint_errors, invalid, not_set_together, search_text

EMPLOYEE_SEQUENCE = "employee"
HALF_DAY = Decimal("0.5")


def _conflict(message: str, field: str, detail: str, code: str) -> Conflict:
    return Conflict(message, code=code, details=[{"field": field, "message": detail}])


# Constraint name (see tables.py and the naming convention) -> the API error it means, for
# inserts and updates.
CONSTRAINT_ERRORS: dict[str, Callable[[], AtlasError]] = {
    "uq_departments_workspace_id_code": lambda: _conflict(
        "Another department in this workspace already uses this code.",
        "code",
        "already taken in this workspace",
        "department_code_taken",
    ),
    "uq_departments_workspace_id_name": lambda: _conflict(
        "Another department in this workspace already has this name.",
        "name",
        "already taken in this workspace",
        "department_name_taken",
    ),
    "fk_departments_workspace_id_parent_department_id_departments": lambda: invalid(
        "The parent department is not a department of this workspace.",
        "parent_department_id",
        "not a department of this workspace",
        code="invalid_parent",
    ),
    "ck_departments_parent": lambda: invalid(
        "A department cannot be its own parent.",
        "parent_department_id",
        "a department cannot be its own parent",
        code="invalid_parent",
    ),
    "fk_departments_workspace_id_manager_employee_id_employees": lambda: invalid(
        "The manager is not an employee of this workspace.",
        "manager_employee_id",
        "not an employee of this workspace",
        code="invalid_manager",
    ),
    "uq_employees_workspace_id_work_email": lambda: _conflict(
        "Another employee in this workspace already has this work e-mail.",
        "work_email",
        "already taken in this workspace",
        "work_email_taken",
    ),
    "uq_employees_workspace_id_user_id": lambda: _conflict(
        "This member is already linked to another employee.",
        "user_id",
        "already linked to another employee",
        "user_already_employee",
    ),
    "fk_employees_workspace_id_user_id_workspace_members": lambda: invalid(
        "The user is not a member of this workspace.",
        "user_id",
        "not a member of this workspace",
        code="user_not_member",
    ),
    "fk_employees_workspace_id_department_id_departments": lambda: invalid(
        "The department is not a department of this workspace.",
        "department_id",
        "not a department of this workspace",
        code="invalid_department",
    ),
    "fk_employees_workspace_id_manager_id_employees": lambda: invalid(
        "The manager is not an employee of this workspace.",
        "manager_id",
        "not an employee of this workspace",
        code="invalid_manager",
    ),
    "ck_employees_not_own_manager": lambda: invalid(
        "An employee cannot be their own manager.",
        "manager_id",
        "an employee cannot be their own manager",
        code="invalid_manager",
    ),
    "ck_employees_dates": lambda: invalid(
        "The end date is before the start date.", "end_date", "must be on or after start_date"
    ),
    "ck_employees_salary_currency": lambda: not_set_together(
        "A salary needs a currency, and a currency needs a salary.", "salary", "salary_currency"
    ),
    "uq_leave_types_workspace_id_name": lambda: _conflict(
        "Another leave type in this workspace already has this name.",
        "name",
        "already taken in this workspace",
        "leave_type_name_taken",
    ),
    "fk_leave_requests_workspace_id_leave_type_id_leave_types": lambda: invalid(
        "The leave type is not a leave type of this workspace.",
        "leave_type_id",
        "not a leave type of this workspace",
        code="invalid_leave_type",
    ),
}

# The same references, met when deleting the row they point at.
DELETE_CONSTRAINT_ERRORS: dict[str, Callable[[], AtlasError]] = {
    "fk_departments_workspace_id_parent_department_id_departments": lambda: Conflict(
        "The department has sub-departments; move or delete them first.",
        code="department_has_children",
    ),
    "fk_time_entries_workspace_id_employee_id_employees": lambda: Conflict(
        "The employee has time entries; they cannot be deleted.",
        code="employee_has_time_entries",
    ),
    "fk_leave_requests_workspace_id_leave_type_id_leave_types": lambda: Conflict(
        "Leave requests use this leave type; it cannot be deleted.",
        code="leave_type_in_use",
    ),
}


# Departments


def _department(row: asyncpg.Record) -> schemas.Department:
    return schemas.Department.model_validate(dict(row))


async def create_department(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.DepartmentCreate
) -> schemas.Department:
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await DepartmentsRepository(db, ctx.workspace_id).create(**data.model_dump())
    return _department(row)


async def list_departments(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.DepartmentFilters,
    page: PageRequest,
) -> Page[schemas.Department]:
    rows, total = await DepartmentsRepository(db, ctx.workspace_id).list(
        parent_department_id=filters.parent_department_id,
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.Department, [dict(r) for r in rows], total, page)


async def search_departments(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[schemas.Department]:
    """At most `limit` departments for the global search: a word of the code or the name
    starts with each word typed (atlas.db.textsearch)."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await DepartmentsRepository(db, ctx.workspace_id).search(query=query, limit=limit)
    return [_department(row) for row in rows]


async def get_department(
    ctx: WorkspaceContext, db: asyncpg.Connection, department_id: uuid.UUID
) -> schemas.Department:
    row = await DepartmentsRepository(db, ctx.workspace_id).get(department_id)
    if row is None:
        raise NotFound("Department not found.")
    return _department(row)


async def get_departments(
    ctx: WorkspaceContext, db: asyncpg.Connection, department_ids: Iterable[uuid.UUID]
) -> list[schemas.Department]:
    """The departments of these ids that exist, in no particular order (a page's look-up)."""
    rows = await DepartmentsRepository(db, ctx.workspace_id).many(list(set(department_ids)))
    return [_department(row) for row in rows]


async def update_department(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    department_id: uuid.UUID,
    data: schemas.DepartmentUpdate,
) -> schemas.Department:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_department(ctx, db, department_id)
    repo = DepartmentsRepository(db, ctx.workspace_id)
    parent = changes.get("parent_department_id")
    # Being its own parent is refused by a CHECK constraint; longer cycles are checked here.
    if (
        parent is not None
        and parent != department_id
        and await repo.is_ancestor_or_self(department_id, parent)
    ):
        raise invalid(
            "The parent would make a cycle: that department is already below this one.",
            "parent_department_id",
            "would create a cycle of departments",
            code="invalid_parent",
        )
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await repo.update(department_id, changes)
    if row is None:
        raise NotFound("Department not found.")
    return _department(row)


async def delete_department(
    ctx: WorkspaceContext, db: asyncpg.Connection, department_id: uuid.UUID
) -> None:
    with constraint_errors(DELETE_CONSTRAINT_ERRORS):
        deleted = await DepartmentsRepository(db, ctx.workspace_id).delete(department_id)
    if not deleted:
        raise NotFound("Department not found.")


# Employees

EmployeeView = schemas.Employee | schemas.EmployeeWithSalary


def _employee_values(row: asyncpg.Record) -> dict[str, Any]:
    return {**dict(row), "number": f"EMP-{row['number']:04d}"}


def may_see_salaries(ctx: WorkspaceContext) -> bool:
    """Salaries are shown only to callers who may see them; to others the fields
    (`schemas.SALARY_FIELDS`) are absent, in the API, the pages and the export."""
    return ctx.can("hr:salary")


def _employee_model(ctx: WorkspaceContext) -> type[schemas.Employee]:
    return schemas.EmployeeWithSalary if may_see_salaries(ctx) else schemas.Employee


def _employee(ctx: WorkspaceContext, row: asyncpg.Record) -> EmployeeView:
    return _employee_model(ctx).model_validate(_employee_values(row))


def _require_salary_permission(ctx: WorkspaceContext, sent: set[str]) -> None:
    if sent & schemas.SALARY_FIELDS:
        ctx.require("hr:salary")


async def create_employee(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.EmployeeCreate
) -> EmployeeView:
    """A new employee numbered next in the workspace; a failed insert returns the number."""
    _require_salary_permission(ctx, data.model_fields_set)
    number = await NumberSequences(db, ctx.workspace_id).next(EMPLOYEE_SEQUENCE)
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await EmployeesRepository(db, ctx.workspace_id).create(
            number=number, **data.model_dump()
        )
    return _employee(ctx, row)


async def list_employees(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.EmployeeFilters,
    page: PageRequest,
) -> Page[schemas.Employee] | Page[schemas.EmployeeWithSalary]:
    rows, total = await EmployeesRepository(db, ctx.workspace_id).list(
        department_id=filters.department_id,
        manager_id=filters.manager_id,
        statuses=choices(filters.statuses, EMPLOYEE_STATUSES, "status"),
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(_employee_model(ctx), [_employee_values(r) for r in rows], total, page)


async def search_employees(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[EmployeeView]:
    """At most `limit` employees for the global search: a word of the names or the work
    e-mail starts with each word typed, name matches first (atlas.db.textsearch)."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await EmployeesRepository(db, ctx.workspace_id).search(query=query, limit=limit)
    return [_employee(ctx, row) for row in rows]


async def own_employee_id(ctx: WorkspaceContext, db: asyncpg.Connection) -> uuid.UUID | None:
    """The employee record linked to the caller's membership, if any."""
    return await EmployeesRepository(db, ctx.workspace_id).id_of_user(ctx.user_id)


async def lock_employee(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID
) -> bool:
    """Locks the employee's row until the transaction ends (False: no such employee), so
    that work booked on one employee is checked and written one transaction at a time."""
    return await EmployeesRepository(db, ctx.workspace_id).lock(employee_id) is not None


async def headcount_by_department(
    ctx: WorkspaceContext, db: asyncpg.Connection
) -> list[tuple[str | None, int]]:
    """Employees not terminated per department name (None: no department), most first."""
    rows = await EmployeesRepository(db, ctx.workspace_id).headcount_by_department()
    return [(r["department"], int(r["n"])) for r in rows]


async def leave_waiting(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    approver_employee_id: uuid.UUID | None,
    everyone: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """Pending leave requests the viewer may decide: all of them with `everyone`, else
    those of the employees `approver_employee_id` manages; soonest first."""
    rows = await LeaveRequestsRepository(db, ctx.workspace_id).waiting(
        approver_employee_id, everyone, limit
    )
    return [dict(r) for r in rows]


async def get_employee(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID
) -> EmployeeView:
    row = await EmployeesRepository(db, ctx.workspace_id).get(employee_id)
    if row is None:
        raise NotFound("Employee not found.")
    return _employee(ctx, row)


async def get_employees(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_ids: Iterable[uuid.UUID]
) -> list[EmployeeView]:
    """The employees of these ids that exist, in no particular order (a page's look-up)."""
    rows = await EmployeesRepository(db, ctx.workspace_id).many(list(set(employee_ids)))
    return [_employee(ctx, row) for row in rows]


async def update_employee(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    employee_id: uuid.UUID,
    data: schemas.EmployeeUpdate,
) -> EmployeeView:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    repo = EmployeesRepository(db, ctx.workspace_id)
    # A miss is 404 before any permission check on the fields.
    if not await repo.exists(employee_id):
        raise NotFound("Employee not found.")
    _require_salary_permission(ctx, set(changes))
    if not changes:
        return await get_employee(ctx, db, employee_id)
    manager = changes.get("manager_id")
    # Managing oneself is refused by a CHECK constraint; longer cycles are checked here.
    if (
        manager is not None
        and manager != employee_id
        and await repo.manages_transitively(employee_id, manager)
    ):
        raise invalid(
            "The manager would make a cycle: that employee already reports to this one.",
            "manager_id",
            "would create a cycle of managers",
            code="invalid_manager",
        )
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await repo.update(employee_id, changes)
    if row is None:
        raise NotFound("Employee not found.")
    return _employee(ctx, row)


async def delete_employee(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID
) -> None:
    with constraint_errors(DELETE_CONSTRAINT_ERRORS):
        deleted = await EmployeesRepository(db, ctx.workspace_id).delete(employee_id)
    if not deleted:
        raise NotFound("Employee not found.")


async def unlink_member(ctx: WorkspaceContext, db: asyncpg.Connection, user_id: uuid.UUID) -> None:
    """The member `user_id` leaves the workspace: the employee record linked to them keeps
    no user (the links' history stays, for the leave rules)."""
    await EmployeesRepository(db, ctx.workspace_id).unlink_user(user_id)


# Leave types


def _leave_type(row: asyncpg.Record) -> schemas.LeaveType:
    return schemas.LeaveType.model_validate(dict(row))


async def create_leave_type(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.LeaveTypeCreate
) -> schemas.LeaveType:
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await LeaveTypesRepository(db, ctx.workspace_id).create(**data.model_dump())
    return _leave_type(row)


async def list_leave_types(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.LeaveTypeFilters,
    page: PageRequest,
) -> Page[schemas.LeaveType]:
    rows, total = await LeaveTypesRepository(db, ctx.workspace_id).list(
        q=search_text(filters.q), sort=filters.sort, page=page
    )
    return page_of(schemas.LeaveType, [dict(r) for r in rows], total, page)


async def get_leave_type(
    ctx: WorkspaceContext, db: asyncpg.Connection, leave_type_id: uuid.UUID
) -> schemas.LeaveType:
    row = await LeaveTypesRepository(db, ctx.workspace_id).get(leave_type_id)
    if row is None:
        raise NotFound("Leave type not found.")
    return _leave_type(row)


async def update_leave_type(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    leave_type_id: uuid.UUID,
    data: schemas.LeaveTypeUpdate,
) -> schemas.LeaveType:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_leave_type(ctx, db, leave_type_id)
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await LeaveTypesRepository(db, ctx.workspace_id).update(leave_type_id, changes)
    if row is None:
        raise NotFound("Leave type not found.")
    return _leave_type(row)


async def delete_leave_type(
    ctx: WorkspaceContext, db: asyncpg.Connection, leave_type_id: uuid.UUID
) -> None:
    with constraint_errors(DELETE_CONSTRAINT_ERRORS):
        deleted = await LeaveTypesRepository(db, ctx.workspace_id).delete(leave_type_id)
    if not deleted:
        raise NotFound("Leave type not found.")


# Leave requests


def leave_days(start: date, end: date, start_half_day: bool, end_half_day: bool) -> Decimal:
    """Weekdays (Monday to Friday) from `start` to `end` inclusive, less half a day for each
    half-day flag. Raises Invalid for flags that cannot hold or a request of no days."""
    if end < start:
        raise invalid(
            "The end date is before the start date.", "end_date", "must be on or after start_date"
        )
    if start == end and start_half_day and end_half_day:
        raise invalid(
            "A one-day request can be a half day at its start or its end, not both.",
            "end_half_day",
            "a one-day request cannot have both half-day flags",
        )
    for flag, day, name in ((start_half_day, start, "start"), (end_half_day, end, "end")):
        if flag and day.weekday() >= 5:
            raise invalid(
                f"The {name} date is a weekend day; it cannot be a half day.",
                f"{name}_half_day",
                "the day is not a weekday",
            )
    span = (end - start).days + 1
    full_weeks, rest = divmod(span, 7)
    weekdays = full_weeks * 5 + sum(
        1 for i in range(rest) if (start + timedelta(days=i)).weekday() < 5
    )
    days = Decimal(weekdays) - HALF_DAY * (int(start_half_day) + int(end_half_day))
    if days <= 0:
        raise invalid(
            "The request takes no working days.", "end_date", "the range holds no weekdays"
        )
    return days


def _leave_request(row: asyncpg.Record) -> schemas.LeaveRequest:
    return schemas.LeaveRequest.model_validate(dict(row))


async def _requester(
    ctx: WorkspaceContext, repo: EmployeesRepository, employee_id: uuid.UUID | None
) -> uuid.UUID:
    """The employee a request is filed for, locked: anyone's with leave:manage, else one's own."""
    if ctx.can("leave:manage") and employee_id is not None:
        row = await repo.lock(employee_id)
        if row is None:
            raise invalid(
                "The employee is not an employee of this workspace.",
                "employee_id",
                "not an employee of this workspace",
                code="invalid_employee",
            )
        return uuid.UUID(str(row["id"]))
    own = await repo.lock_of_user(ctx.user_id)
    if employee_id is not None and (own is None or own["id"] != employee_id):
        raise Forbidden(
            "You may file leave only for yourself; filing for others needs 'leave:manage'.",
            code="permission_denied",
        )
    if own is None:
        raise invalid(
            "No employee is linked to your membership; name the employee.",
            "employee_id",
            "no employee is linked to your membership",
            code="no_linked_employee",
        )
    return uuid.UUID(str(own["id"]))


async def create_leave_request(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.LeaveRequestCreate
) -> schemas.LeaveRequest:
    """A pending request; the employee's row lock makes concurrent overlapping requests queue,
    so that the second one sees the first."""
    days = leave_days(data.start_date, data.end_date, data.start_half_day, data.end_half_day)
    employee_id = await _requester(ctx, EmployeesRepository(db, ctx.workspace_id), data.employee_id)
    requests = LeaveRequestsRepository(db, ctx.workspace_id)
    if await requests.overlaps(employee_id, data.start_date, data.end_date):
        raise _conflict(
            "The employee already has pending or approved leave on some of these days.",
            "start_date",
            "overlaps another pending or approved request",
            "leave_overlap",
        )
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await requests.create(
            employee_id=employee_id,
            leave_type_id=data.leave_type_id,
            start_date=data.start_date,
            end_date=data.end_date,
            start_half_day=data.start_half_day,
            end_half_day=data.end_half_day,
            days=days,
            reason=data.reason,
            requested_by_user_id=ctx.user_id,
        )
    return _leave_request(row)


async def list_leave_requests(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.LeaveRequestFilters,
    page: PageRequest,
) -> Page[schemas.LeaveRequest]:
    rows, total = await LeaveRequestsRepository(db, ctx.workspace_id).list(
        employee_id=filters.employee_id,
        leave_type_id=filters.leave_type_id,
        statuses=choices(filters.statuses, LEAVE_STATUSES, "status"),
        date_from=filters.date_from,
        date_to=filters.date_to,
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.LeaveRequest, [dict(r) for r in rows], total, page)


async def get_leave_request(
    ctx: WorkspaceContext, db: asyncpg.Connection, request_id: uuid.UUID
) -> schemas.LeaveRequest:
    row = await LeaveRequestsRepository(db, ctx.workspace_id).get(request_id)
    if row is None:
        raise NotFound("Leave request not found.")
    return _leave_request(row)


class LeaveAction(StrEnum):
    DECIDE = "decide"  # approve or reject
    CANCEL = "cancel"


def _wrong_status(status: str, action: str) -> Conflict:
    return Conflict(
        f"A {status} leave request cannot be {action}.", code="invalid_status_transition"
    )


def _leave_refusal(
    ctx: WorkspaceContext,
    facts: asyncpg.Record,
    own_employee_id: uuid.UUID | None,
    action: LeaveAction,
    done: str,
) -> AtlasError | None:
    """Why the caller may not take `action` on the request (`done`: "approved", ...), or
    None. Deciding: a caller with leave:approve or the employee's manager, never whoever
    filed it nor anyone the employee record is or was linked to (unlinking one's record
    does not make one's leave someone else's). Cancelling: the employee or leave:manage."""
    if action is LeaveAction.DECIDE:
        if (
            ctx.user_id in (facts["employee_user_id"], facts["requested_by_user_id"])
            or (facts["ever_linked"])
        ):
            return Forbidden(
                "You cannot decide on a leave request you filed or of an employee record"
                " that is or was linked to you.",
                code="own_leave_request",
            )
        manages = own_employee_id is not None and own_employee_id == facts["employee_manager_id"]
        if not ctx.can("leave:approve") and not manages:
            return Forbidden(
                "Only the employee's manager or a role with 'leave:approve' may decide.",
                code="permission_denied",
            )
        if facts["status"] != "pending":
            return _wrong_status(facts["status"], done)
        return None
    if facts["employee_user_id"] != ctx.user_id and not ctx.can("leave:manage"):
        return Forbidden(
            "Only the employee or a role with 'leave:manage' may cancel this request.",
            code="permission_denied",
        )
    if facts["status"] not in ("pending", "approved"):
        return _wrong_status(facts["status"], done)
    return None


async def allowed_leave_actions(
    ctx: WorkspaceContext, db: asyncpg.Connection, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, frozenset[LeaveAction]]:
    """What the caller may do now to each request; the service's checks and the pages both
    ask `_leave_refusal`."""
    rows = await LeaveRequestsRepository(db, ctx.workspace_id).with_employees(
        request_ids, ctx.user_id
    )
    own = await EmployeesRepository(db, ctx.workspace_id).id_of_user(ctx.user_id)
    return {
        row["id"]: frozenset(
            a for a in LeaveAction if _leave_refusal(ctx, row, own, a, "changed") is None
        )
        for row in rows
    }


async def _locked_request(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    request_id: uuid.UUID,
    action: LeaveAction,
    done: str,
) -> None:
    """Locks the request, or raises why the caller may not take `action` on it."""
    row = await LeaveRequestsRepository(db, ctx.workspace_id).lock_with_employee(
        request_id, ctx.user_id
    )
    if row is None:
        raise NotFound("Leave request not found.")
    own = await EmployeesRepository(db, ctx.workspace_id).id_of_user(ctx.user_id)
    refusal = _leave_refusal(ctx, row, own, action, done)
    if refusal is not None:
        raise refusal


async def decide_leave_request(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    request_id: uuid.UUID,
    approve: bool,
    note: str = "",
) -> schemas.LeaveRequest:
    """Approves or rejects a pending request (see `_leave_refusal` for who may), with the
    decider's note to the requester."""
    status = "approved" if approve else "rejected"
    await _locked_request(ctx, db, request_id, LeaveAction.DECIDE, status)
    updated = await LeaveRequestsRepository(db, ctx.workspace_id).set_status(
        request_id, status, ctx.user_id, note.strip()
    )
    return _leave_request(updated)


async def cancel_leave_request(
    ctx: WorkspaceContext, db: asyncpg.Connection, request_id: uuid.UUID
) -> schemas.LeaveRequest:
    """Cancels a pending or approved request: by the employee themself or leave:manage."""
    await _locked_request(ctx, db, request_id, LeaveAction.CANCEL, "cancelled")
    updated = await LeaveRequestsRepository(db, ctx.workspace_id).set_status(
        request_id, "cancelled", None
    )
    return _leave_request(updated)


async def leave_balance(
    ctx: WorkspaceContext, db: asyncpg.Connection, employee_id: uuid.UUID, year: int
) -> schemas.LeaveBalance:
    """Per leave type: the allowance, approved and pending days of requests starting in
    `year`, and what remains of the allowance after the approved days."""
    if not await EmployeesRepository(db, ctx.workspace_id).exists(employee_id):
        raise NotFound("Employee not found.")
    rows = await LeaveRequestsRepository(db, ctx.workspace_id).balance(employee_id, year)
    return schemas.LeaveBalance.model_validate(
        {
            "employee_id": employee_id,
            "year": year,
            "leave_types": [
                {**dict(r), "remaining_days": r["allowance_days"] - r["taken_days"]} for r in rows
            ],
        }
    )
