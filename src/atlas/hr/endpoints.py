"""JSON routes of the hr module: departments, employees, leave types and leave requests.

The workspace comes from the auth context (workspace token, X-Workspace-Id, or the
session's active workspace), never from the URL; an id of another workspace is not found.
Employees carry `salary` and `salary_currency` only for callers with `hr:salary`.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atlas.clock import business_day
from atlas.db.pool import TransactionRoute
from atlas.hr import schemas, service
from atlas.pagination import Page, PageParams, Search, Sort, Statuses
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.validation import BusinessDate

DepartmentsRead = Annotated[WorkspaceContext, Depends(require("departments:read"))]
DepartmentsManage = Annotated[WorkspaceContext, Depends(require("departments:manage"))]
EmployeesRead = Annotated[WorkspaceContext, Depends(require("employees:read"))]
EmployeesManage = Annotated[WorkspaceContext, Depends(require("employees:manage"))]
LeaveRead = Annotated[WorkspaceContext, Depends(require("leave:read"))]
LeaveFile = Annotated[WorkspaceContext, Depends(require("leave:request"))]
LeaveManage = Annotated[WorkspaceContext, Depends(require("leave:manage"))]

router = APIRouter(prefix="/api/v1", tags=["hr"], route_class=TransactionRoute)

# The model with salary fields first: a body without them falls through to Employee.
EmployeeOut = schemas.EmployeeWithSalary | schemas.Employee
EmployeePage = Page[schemas.EmployeeWithSalary] | Page[schemas.Employee]


# Departments


@router.post("/departments", status_code=status.HTTP_201_CREATED)
async def create_department(
    data: schemas.DepartmentCreate, ctx: DepartmentsManage, db: Db
) -> schemas.Department:
    """Create a department; code and name are unique in the workspace (409 otherwise)."""
    return await service.create_department(ctx, db, data)


@router.get("/departments")
async def list_departments(
    ctx: DepartmentsRead,
    db: Db,
    page: PageParams,
    parent_department_id: uuid.UUID | None = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Department]:
    """The workspace's departments; sort by code (default), name or created_at."""
    filters = schemas.DepartmentFilters(parent_department_id=parent_department_id, q=q, sort=sort)
    return await service.list_departments(ctx, db, filters, page)


@router.get("/departments/{department_id}")
async def get_department(
    department_id: uuid.UUID, ctx: DepartmentsRead, db: Db
) -> schemas.Department:
    """One department."""
    return await service.get_department(ctx, db, department_id)


@router.patch("/departments/{department_id}")
async def update_department(
    department_id: uuid.UUID, data: schemas.DepartmentUpdate, ctx: DepartmentsManage, db: Db
) -> schemas.Department:
    """Change the fields sent; a parent that would make a cycle is refused (422)."""
    return await service.update_department(ctx, db, department_id, data)


@router.delete("/departments/{department_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_department(department_id: uuid.UUID, ctx: DepartmentsManage, db: Db) -> None:
    """Delete a department without sub-departments (409 otherwise); its employees keep none."""
    await service.delete_department(ctx, db, department_id)


# Employees


@router.post("/employees", status_code=status.HTTP_201_CREATED)
async def create_employee(
    data: schemas.EmployeeCreate, ctx: EmployeesManage, db: Db
) -> EmployeeOut:
    """Create an employee, numbered EMP-0001, EMP-0002, ... in the workspace. Sending a
    salary needs `hr:salary`."""
    return await service.create_employee(ctx, db, data)


@router.get("/employees")
async def list_employees(
    ctx: EmployeesRead,
    db: Db,
    page: PageParams,
    department_id: uuid.UUID | None = None,
    manager_id: uuid.UUID | None = None,
    statuses: Statuses = None,
    q: Search = None,
    sort: Sort = None,
) -> EmployeePage:
    """The workspace's employees; q searches names and work e-mails; sort by number
    (default), last_name, first_name, status, start_date or created_at."""
    filters = schemas.EmployeeFilters(
        department_id=department_id,
        manager_id=manager_id,
        statuses=statuses or [],
        q=q,
        sort=sort,
    )
    return await service.list_employees(ctx, db, filters, page)


@router.get("/employees/{employee_id}")
async def get_employee(employee_id: uuid.UUID, ctx: EmployeesRead, db: Db) -> EmployeeOut:
    """One employee."""
    return await service.get_employee(ctx, db, employee_id)


@router.patch("/employees/{employee_id}")
async def update_employee(
    employee_id: uuid.UUID, data: schemas.EmployeeUpdate, ctx: EmployeesManage, db: Db
) -> EmployeeOut:
    """Change the fields sent; a manager that would make a cycle is refused (422); changing
    the salary needs `hr:salary`."""
    return await service.update_employee(ctx, db, employee_id, data)


@router.delete("/employees/{employee_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_employee(employee_id: uuid.UUID, ctx: EmployeesManage, db: Db) -> None:
    """Delete an employee and their leave requests."""
    await service.delete_employee(ctx, db, employee_id)


@router.get("/employees/{employee_id}/leave-balance")
async def get_leave_balance(
    employee_id: uuid.UUID,
    ctx: LeaveRead,
    db: Db,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="The calendar year; this year if omitted.")
    ] = None,
) -> schemas.LeaveBalance:
    """Per leave type: allowance, approved and pending days, and what remains."""
    return await service.leave_balance(ctx, db, employee_id, year or business_day().year)


# Leave types


@router.post("/leave-types", status_code=status.HTTP_201_CREATED)
async def create_leave_type(
    data: schemas.LeaveTypeCreate, ctx: LeaveManage, db: Db
) -> schemas.LeaveType:
    """Create a leave type; its name is unique in the workspace (409 otherwise)."""
    return await service.create_leave_type(ctx, db, data)


@router.get("/leave-types")
async def list_leave_types(
    ctx: LeaveRead, db: Db, page: PageParams, q: Search = None, sort: Sort = None
) -> Page[schemas.LeaveType]:
    """The workspace's leave types; sort by name (default) or created_at."""
    filters = schemas.LeaveTypeFilters(q=q, sort=sort)
    return await service.list_leave_types(ctx, db, filters, page)


@router.get("/leave-types/{leave_type_id}")
async def get_leave_type(leave_type_id: uuid.UUID, ctx: LeaveRead, db: Db) -> schemas.LeaveType:
    """One leave type."""
    return await service.get_leave_type(ctx, db, leave_type_id)


@router.patch("/leave-types/{leave_type_id}")
async def update_leave_type(
    leave_type_id: uuid.UUID, data: schemas.LeaveTypeUpdate, ctx: LeaveManage, db: Db
) -> schemas.LeaveType:
    """Change the fields sent."""
    return await service.update_leave_type(ctx, db, leave_type_id, data)


@router.delete("/leave-types/{leave_type_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_leave_type(leave_type_id: uuid.UUID, ctx: LeaveManage, db: Db) -> None:
    """Delete a leave type that no request uses (409 otherwise)."""
    await service.delete_leave_type(ctx, db, leave_type_id)


# Leave requests


@router.post("/leave-requests", status_code=status.HTTP_201_CREATED)
async def create_leave_request(
    data: schemas.LeaveRequestCreate, ctx: LeaveFile, db: Db
) -> schemas.LeaveRequest:
    """File a pending leave request: for oneself, or for anyone with `leave:manage`. Days
    are the weekdays of the range less half days; overlapping leave is refused (409)."""
    return await service.create_leave_request(ctx, db, data)


@router.get("/leave-requests")
async def list_leave_requests(
    ctx: LeaveRead,
    db: Db,
    page: PageParams,
    employee_id: uuid.UUID | None = None,
    leave_type_id: uuid.UUID | None = None,
    statuses: Statuses = None,
    date_from: Annotated[
        BusinessDate | None,
        Query(alias="from", description="Requests ending on or after this day."),
    ] = None,
    date_to: Annotated[
        BusinessDate | None,
        Query(alias="to", description="Requests starting on or before this day."),
    ] = None,
    sort: Sort = None,
) -> Page[schemas.LeaveRequest]:
    """The workspace's leave requests; sort by start_date (default), end_date, status or
    created_at."""
    filters = schemas.LeaveRequestFilters(
        employee_id=employee_id,
        leave_type_id=leave_type_id,
        statuses=statuses or [],
        date_from=date_from,
        date_to=date_to,
        sort=sort,
    )
    return await service.list_leave_requests(ctx, db, filters, page)


@router.get("/leave-requests/{request_id}")
async def get_leave_request(request_id: uuid.UUID, ctx: LeaveRead, db: Db) -> schemas.LeaveRequest:
    """One leave request."""
    return await service.get_leave_request(ctx, db, request_id)


@router.post("/leave-requests/{request_id}/approve")
async def approve_leave_request(
    request_id: uuid.UUID, ctx: LeaveRead, db: Db, data: schemas.LeaveDecision | None = None
) -> schemas.LeaveRequest:
    """Approve a pending request: `leave:approve` or the employee's manager; not one's own.
    An optional note goes to the requester."""
    note = data.note if data else ""
    return await service.decide_leave_request(ctx, db, request_id, approve=True, note=note)


@router.post("/leave-requests/{request_id}/reject")
async def reject_leave_request(
    request_id: uuid.UUID, ctx: LeaveRead, db: Db, data: schemas.LeaveDecision | None = None
) -> schemas.LeaveRequest:
    """Reject a pending request: `leave:approve` or the employee's manager; not one's own.
    An optional note (why) goes to the requester."""
    note = data.note if data else ""
    return await service.decide_leave_request(ctx, db, request_id, approve=False, note=note)


@router.post("/leave-requests/{request_id}/cancel")
async def cancel_leave_request(
    request_id: uuid.UUID, ctx: LeaveRead, db: Db
) -> schemas.LeaveRequest:
    """Cancel a pending or approved request: the employee themself or `leave:manage`."""
    return await service.cancel_leave_request(ctx, db, request_id)
