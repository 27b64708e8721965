"""HR pages: departments, employees, leave types and leave requests.

They call the hr service with the API's schemas; salaries reach a template only when the
service returns EmployeeWithSalary (callers with `hr:salary`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel

from atlas.hr import schemas, service
from atlas.pagination import MAX_LIMIT, PageParams, PageRequest
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.render import PageContext
from atlas.web.routing import page_router
from atlas.workspaces import schemas as workspace_schemas
from atlas.workspaces import service as workspaces

router = page_router()

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

DepartmentsRead = Annotated[PageContext, Depends(workspace_page("departments:read"))]
DepartmentsManage = Annotated[PageContext, Depends(workspace_page("departments:manage"))]
EmployeesRead = Annotated[PageContext, Depends(workspace_page("employees:read"))]
EmployeesManage = Annotated[PageContext, Depends(workspace_page("employees:manage"))]
LeaveRead = Annotated[PageContext, Depends(workspace_page("leave:read"))]
LeaveFile = Annotated[PageContext, Depends(workspace_page("leave:request"))]
LeaveManage = Annotated[PageContext, Depends(workspace_page("leave:manage"))]

Search = forms.QueryText
Sort = forms.QueryText
Status = forms.QueryText

# Option lists and name look-ups read at most one API page of rows.
ALL = PageRequest(limit=MAX_LIMIT, offset=0)
EMPLOYMENT_TYPES = ("full_time", "part_time", "contractor", "intern")
EMPLOYEE_STATUSES = ("onboarding", "active", "on_leave", "terminated")
LEAVE_STATUSES = ("pending", "approved", "rejected", "cancelled")
DEPARTMENT_FIELDS = ("code", "name", "parent_department_id", "manager_employee_id")
EMPLOYEE_FIELDS = (
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
)
SALARY_FIELDS = ("salary", "salary_currency")


def _choices(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ").capitalize()) for v in values]


def _changes(form: forms.FormData, fields: Iterable[str]) -> dict[str, Any]:
    """An edit form as a PATCH body: every field of the form, a blank one as null."""
    return {name: form.get(name) for name in fields}


async def _save(
    page: PageContext,
    template: str,
    form: forms.FormData,
    values: dict[str, Any],
    model: type[M],
    data: dict[str, Any],
    action: Callable[[M], Awaitable[T]],
) -> Response | T:
    """Parses `data` into `model` and runs `action`; on refusal, re-renders the form (422)."""
    try:
        parsed = forms.parse(model, data)
        return await forms.run(page.db, lambda: action(parsed))
    except forms.FormErrors as errors:
        return await page.render(template, status_code=422, form=form, errors=errors, **values)


async def _delete(
    page: PageContext, back: str, done: str, action: Callable[[], Awaitable[None]]
) -> Response:
    """Runs a deletion; a refusal (e.g. still in use) goes back with an error message."""
    try:
        await forms.run(page.db, action)
    except forms.FormErrors as errors:
        return page.redirect(page.url(back), errors.message, kind="error")
    return page.redirect(page.url(back), done)


# Look-ups for names and select options


async def _departments(page: PageContext) -> list[schemas.Department]:
    result = await service.list_departments(page.ws, page.db, schemas.DepartmentFilters(), ALL)
    return result.items


async def _employees(page: PageContext) -> list[schemas.Employee]:
    result = await service.list_employees(
        page.ws, page.db, schemas.EmployeeFilters(sort="last_name,first_name"), ALL
    )
    return list(result.items)


async def _leave_types(page: PageContext) -> list[schemas.LeaveType]:
    return (await service.list_leave_types(page.ws, page.db, schemas.LeaveTypeFilters(), ALL)).items


def _full_name(employee: schemas.Employee) -> str:
    return f"{employee.first_name} {employee.last_name}"


def _employee_names(employees: Iterable[schemas.Employee]) -> dict[uuid.UUID, str]:
    return {e.id: _full_name(e) for e in employees}


def _employee_options(employees: Iterable[schemas.Employee]) -> list[tuple[str, str]]:
    return [(str(e.id), f"{_full_name(e)} ({e.number})") for e in employees]


def _department_options(departments: Iterable[schemas.Department]) -> list[tuple[str, str]]:
    return [(str(d.id), f"{d.code} · {d.name}") for d in departments]


# Departments

DEPARTMENT_FORM = "hr/department_form.html"


async def _department_form_values(
    page: PageContext, department: schemas.Department | None = None
) -> dict[str, Any]:
    departments = [
        d for d in await _departments(page) if department is None or d.id != department.id
    ]
    return {
        "department": department,
        "parents": _department_options(departments),
        "managers": _employee_options(await _employees(page)),
    }


@router.get("/w/{workspace_ref}/departments")
async def departments(
    page: DepartmentsRead, paging: PageParams, q: Search = None, sort: Sort = None
) -> Response:
    filters = schemas.DepartmentFilters(q=q, sort=sort)
    result = await service.list_departments(page.ws, page.db, filters, paging)
    all_departments = await _departments(page)
    return await page.render(
        "hr/departments.html",
        result=result,
        department_names={d.id: d.name for d in all_departments},
        employee_names=_employee_names(await _employees(page)),
    )


@router.get("/w/{workspace_ref}/departments/new")
async def new_department_form(page: DepartmentsManage) -> Response:
    values = await _department_form_values(page)
    return await page.render(DEPARTMENT_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/departments/new")
async def create_department(page: DepartmentsManage) -> Response:
    form = await forms.read_form(page.request)
    values = await _department_form_values(page)

    async def create(data: schemas.DepartmentCreate) -> schemas.Department:
        return await service.create_department(page.ws, page.db, data)

    saved = await _save(page, DEPARTMENT_FORM, form, values, schemas.DepartmentCreate, form, create)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url("/departments"), f"Department {saved.name} created.")


@router.get("/w/{workspace_ref}/departments/{department_id}/edit")
async def edit_department_form(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    department = await service.get_department(page.ws, page.db, department_id)
    values = await _department_form_values(page, department)
    return await page.render(
        DEPARTMENT_FORM, form=department.model_dump(mode="json"), errors=None, **values
    )


@router.post("/w/{workspace_ref}/departments/{department_id}/edit")
async def update_department(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    department = await service.get_department(page.ws, page.db, department_id)
    form = await forms.read_form(page.request)
    values = await _department_form_values(page, department)

    async def update(data: schemas.DepartmentUpdate) -> schemas.Department:
        return await service.update_department(page.ws, page.db, department_id, data)

    body = _changes(form, DEPARTMENT_FIELDS)
    saved = await _save(page, DEPARTMENT_FORM, form, values, schemas.DepartmentUpdate, body, update)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url("/departments"), f"Department {saved.name} saved.")


@router.post("/w/{workspace_ref}/departments/{department_id}/delete")
async def delete_department(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    return await _delete(
        page,
        "/departments",
        "Department deleted.",
        lambda: service.delete_department(page.ws, page.db, department_id),
    )


# Employees

EMPLOYEE_FORM = "hr/employee_form.html"


async def _employee_form_values(
    page: PageContext, employee: schemas.Employee | None = None
) -> dict[str, Any]:
    members = await workspaces.list_members(
        page.ws, page.db, workspace_schemas.MemberFilters(), ALL
    )
    managers = [e for e in await _employees(page) if employee is None or e.id != employee.id]
    return {
        "employee": employee,
        "members": [(str(m.user_id), f"{m.name} ({m.email})") for m in members.items],
        "departments": _department_options(await _departments(page)),
        "managers": _employee_options(managers),
        "employment_types": _choices(EMPLOYMENT_TYPES),
        "statuses": _choices(EMPLOYEE_STATUSES),
        "show_salary": page.ws.can("hr:salary"),
    }


@router.get("/w/{workspace_ref}/employees")
async def employees(
    page: EmployeesRead,
    paging: PageParams,
    status: Status = None,
    department_id: uuid.UUID | None = None,
    q: Search = None,
    sort: Sort = None,
) -> Response:
    filters = schemas.EmployeeFilters(
        department_id=department_id, statuses=[status] if status else [], q=q, sort=sort
    )
    result = await service.list_employees(page.ws, page.db, filters, paging)
    all_departments = await _departments(page)
    return await page.render(
        "hr/employees.html",
        result=result,
        statuses=_choices(EMPLOYEE_STATUSES),
        departments=_department_options(all_departments),
        department_names={d.id: d.name for d in all_departments},
    )


@router.get("/w/{workspace_ref}/employees/new")
async def new_employee_form(page: EmployeesManage) -> Response:
    values = await _employee_form_values(page)
    return await page.render(EMPLOYEE_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/employees/new")
async def create_employee(page: EmployeesManage) -> Response:
    form = await forms.read_form(page.request)
    values = await _employee_form_values(page)

    async def create(data: schemas.EmployeeCreate) -> service.EmployeeView:
        return await service.create_employee(page.ws, page.db, data)

    saved = await _save(page, EMPLOYEE_FORM, form, values, schemas.EmployeeCreate, form, create)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url(f"/employees/{saved.id}"), f"Employee {saved.number} created.")


@router.get("/w/{workspace_ref}/employees/{employee_id}")
async def employee_detail(employee_id: uuid.UUID, page: EmployeesRead) -> Response:
    employee = await service.get_employee(page.ws, page.db, employee_id)
    department = (
        await service.get_department(page.ws, page.db, employee.department_id)
        if employee.department_id
        else None
    )
    manager = (
        await service.get_employee(page.ws, page.db, employee.manager_id)
        if employee.manager_id
        else None
    )
    balance = (
        await service.leave_balance(page.ws, page.db, employee_id, date.today().year)
        if page.ws.can("leave:read")
        else None
    )
    return await page.render(
        "hr/employee.html",
        employee=employee,
        salary=employee if isinstance(employee, schemas.EmployeeWithSalary) else None,
        department=department,
        manager=manager,
        balance=balance,
    )


@router.get("/w/{workspace_ref}/employees/{employee_id}/edit")
async def edit_employee_form(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    employee = await service.get_employee(page.ws, page.db, employee_id)
    values = await _employee_form_values(page, employee)
    return await page.render(
        EMPLOYEE_FORM, form=employee.model_dump(mode="json"), errors=None, **values
    )


@router.post("/w/{workspace_ref}/employees/{employee_id}/edit")
async def update_employee(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    employee = await service.get_employee(page.ws, page.db, employee_id)
    form = await forms.read_form(page.request)
    values = await _employee_form_values(page, employee)

    async def update(data: schemas.EmployeeUpdate) -> service.EmployeeView:
        return await service.update_employee(page.ws, page.db, employee_id, data)

    # Salary fields go along for those who see them, or when sent (the service refuses).
    salary = values["show_salary"] or any(name in form for name in SALARY_FIELDS)
    body = {
        **_changes(form, EMPLOYEE_FIELDS),
        "job_title": form.get("job_title", ""),
        **(_changes(form, SALARY_FIELDS) if salary else {}),
    }
    saved = await _save(page, EMPLOYEE_FORM, form, values, schemas.EmployeeUpdate, body, update)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url(f"/employees/{employee_id}"), f"Employee {saved.number} saved.")


@router.post("/w/{workspace_ref}/employees/{employee_id}/delete")
async def delete_employee(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    return await _delete(
        page,
        "/employees",
        "Employee deleted.",
        lambda: service.delete_employee(page.ws, page.db, employee_id),
    )


# Leave requests


def _may_decide(
    page: PageContext,
    request: schemas.LeaveRequest,
    people: dict[uuid.UUID, schemas.Employee],
    own: uuid.UUID | None,
) -> bool:
    """Whether to offer Approve/Reject (the service decides anyway, past links included)."""
    employee = people.get(request.employee_id)
    if request.status != "pending" or employee is None or employee.id == own:
        return False
    if request.requested_by_user_id == page.ws.user_id:
        return False
    return page.ws.can("leave:approve") or (own is not None and employee.manager_id == own)


def _may_cancel(page: PageContext, request: schemas.LeaveRequest, own: uuid.UUID | None) -> bool:
    if request.status not in ("pending", "approved"):
        return False
    return page.ws.can("leave:manage") or request.employee_id == own


async def _people(page: PageContext) -> tuple[dict[uuid.UUID, schemas.Employee], uuid.UUID | None]:
    """The employees by id, and the caller's own employee (if linked)."""
    people = {e.id: e for e in await _employees(page)}
    return people, await service.own_employee_id(page.ws, page.db)


@router.get("/w/{workspace_ref}/leave")
async def leave_requests(
    page: LeaveRead,
    paging: PageParams,
    status: Status = None,
    employee_id: uuid.UUID | None = None,
    sort: Sort = None,
) -> Response:
    status = status or "pending"
    filters = schemas.LeaveRequestFilters(
        employee_id=employee_id, statuses=[] if status == "all" else [status], sort=sort
    )
    result = await service.list_leave_requests(page.ws, page.db, filters, paging)
    people, own = await _people(page)
    return await page.render(
        "hr/leave.html",
        result=result,
        status=status,
        statuses=[*_choices(LEAVE_STATUSES), ("all", "All")],
        employees=_employee_options(people.values()),
        employee_names=_employee_names(people.values()),
        type_names={t.id: t.name for t in await _leave_types(page)},
        deciding={r.id for r in result.items if _may_decide(page, r, people, own)},
    )


LEAVE_FORM = "hr/leave_form.html"


async def _leave_form_values(page: PageContext) -> dict[str, Any]:
    employees = await _employees(page) if page.ws.can("leave:manage") else []
    return {
        "leave_types": [(str(t.id), t.name) for t in await _leave_types(page)],
        "employees": _employee_options(employees),
    }


@router.get("/w/{workspace_ref}/leave/new")
async def new_leave_form(page: LeaveFile) -> Response:
    values = await _leave_form_values(page)
    return await page.render(LEAVE_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/leave/new")
async def create_leave_request(page: LeaveFile) -> Response:
    form = await forms.read_form(page.request)
    values = await _leave_form_values(page)

    async def create(data: schemas.LeaveRequestCreate) -> schemas.LeaveRequest:
        return await service.create_leave_request(page.ws, page.db, data)

    saved = await _save(page, LEAVE_FORM, form, values, schemas.LeaveRequestCreate, form, create)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url(f"/leave/{saved.id}"), f"Leave requested: {saved.days} days.")


@router.get("/w/{workspace_ref}/leave/{request_id}")
async def leave_request_detail(request_id: uuid.UUID, page: LeaveRead) -> Response:
    request = await service.get_leave_request(page.ws, page.db, request_id)
    people, own = await _people(page)
    employee = people.get(request.employee_id) or await service.get_employee(
        page.ws, page.db, request.employee_id
    )
    leave_type = await service.get_leave_type(page.ws, page.db, request.leave_type_id)
    return await page.render(
        "hr/leave_request.html",
        leave=request,
        employee=employee,
        leave_type=leave_type,
        may_decide=_may_decide(page, request, {employee.id: employee}, own),
        may_cancel=_may_cancel(page, request, own),
    )


async def _leave_action(
    page: PageContext,
    request_id: uuid.UUID,
    action: Callable[[], Awaitable[schemas.LeaveRequest]],
) -> Response:
    """Runs a decision or cancellation; a refused transition comes back as an error message."""
    back = page.url(f"/leave/{request_id}")
    try:
        done = await forms.run(page.db, action)
    except forms.FormErrors as errors:
        return page.redirect(back, errors.message, kind="error")
    return page.redirect(back, f"Leave request {done.status}.")


@router.post("/w/{workspace_ref}/leave/{request_id}/approve")
async def approve_leave_request(request_id: uuid.UUID, page: LeaveRead) -> Response:
    return await _leave_action(
        page,
        request_id,
        lambda: service.decide_leave_request(page.ws, page.db, request_id, approve=True),
    )


@router.post("/w/{workspace_ref}/leave/{request_id}/reject")
async def reject_leave_request(request_id: uuid.UUID, page: LeaveRead) -> Response:
    return await _leave_action(
        page,
        request_id,
        lambda: service.decide_leave_request(page.ws, page.db, request_id, approve=False),
    )


@router.post("/w/{workspace_ref}/leave/{request_id}/cancel")
async def cancel_leave_request(request_id: uuid.UUID, page: LeaveRead) -> Response:
    return await _leave_action(
        page, request_id, lambda: service.cancel_leave_request(page.ws, page.db, request_id)
    )


# Leave types

LEAVE_TYPE_FORM = "hr/leave_type_form.html"


@router.get("/w/{workspace_ref}/leave-types")
async def leave_types(
    page: LeaveRead, paging: PageParams, q: Search = None, sort: Sort = None
) -> Response:
    filters = schemas.LeaveTypeFilters(q=q, sort=sort)
    result = await service.list_leave_types(page.ws, page.db, filters, paging)
    return await page.render("hr/leave_types.html", result=result)


@router.get("/w/{workspace_ref}/leave-types/new")
async def new_leave_type_form(page: LeaveManage) -> Response:
    return await page.render(LEAVE_TYPE_FORM, form={}, errors=None)


@router.post("/w/{workspace_ref}/leave-types/new")
async def create_leave_type(page: LeaveManage) -> Response:
    form = await forms.read_form(page.request)

    async def create(data: schemas.LeaveTypeCreate) -> schemas.LeaveType:
        return await service.create_leave_type(page.ws, page.db, data)

    saved = await _save(page, LEAVE_TYPE_FORM, form, {}, schemas.LeaveTypeCreate, form, create)
    if isinstance(saved, Response):
        return saved
    return page.redirect(page.url("/leave-types"), f"Leave type {saved.name} created.")


@router.post("/w/{workspace_ref}/leave-types/{leave_type_id}/delete")
async def delete_leave_type(leave_type_id: uuid.UUID, page: LeaveManage) -> Response:
    return await _delete(
        page,
        "/leave-types",
        "Leave type deleted.",
        lambda: service.delete_leave_type(page.ws, page.db, leave_type_id),
    )
