"""HR pages: departments, employees, leave types and leave requests.

They call the hr service with the API's schemas; salaries reach a template only when the
service returns EmployeeWithSalary (callers with `hr:salary`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel

from atlas.clock import business_day
from atlas.errors import NotFound
from atlas.hr import schemas, service
from atlas.pagination import Paged, PageParams, PageRequest, every, pages
from atlas.web import bulk, forms, lists
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.pages import choices
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.web.shell import Crumb

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

# Leave types are few (a workspace's kinds of leave): one API page holds them all.
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
    chosen: Mapping[str, choices.Source] | None = None,
) -> Response | T:
    """Reads the `chosen` fields' type-aheads, parses `data` into `model` and runs
    `action`; on refusal, re-renders the form (422)."""
    try:
        for name, source in (chosen or {}).items():
            data = await choices.resolve(page, source, {**data, **_typed(form, name)}, name)
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


def _typed(form: forms.FormData, name: str) -> dict[str, Any]:
    """The type-ahead fields of choice `name` as posted (see atlas.web.pages.choices)."""
    return {k: v for k, v in form.items() if k in (f"{name}-search", f"{name}-label")}


# Look-ups for names


async def _leave_types(page: PageContext) -> list[schemas.LeaveType]:
    return await every(
        lambda p: service.list_leave_types(page.ws, page.db, schemas.LeaveTypeFilters(), p)
    )


def _full_name(employee: schemas.Employee) -> str:
    return f"{employee.first_name} {employee.last_name}"


async def _employee_names(
    page: PageContext, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """The names of the employees a page of rows names, read in one statement."""
    wanted = [i for i in ids if i is not None]
    return {e.id: _full_name(e) for e in await service.get_employees(page.ws, page.db, wanted)}


async def _department_names(
    page: PageContext, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    return {d.id: d.name for d in await service.get_departments(page.ws, page.db, wanted)}


async def _filter(
    page: PageContext, source: choices.Source, name: str
) -> tuple[dict[str, Any], forms.FormErrors | None]:
    """A list page's address with its type-ahead filter `name` read back, or the refusal."""
    try:
        return await choices.resolve_query(page, source, name), None
    except forms.FormErrors as errors:
        return {}, errors


def _filter_id(query: Mapping[str, Any], name: str) -> uuid.UUID | None:
    """The filter's id (blank: none); a malformed one is not found."""
    try:
        return uuid.UUID(query[name]) if query.get(name) else None
    except ValueError:
        raise NotFound(N_("There is no such page.")) from None


# Departments

DEPARTMENT_FORM = "hr/department_form.html"


DEPARTMENT_CHOICES = {
    "parent_department_id": choices.DEPARTMENTS,
    "manager_employee_id": choices.EMPLOYEES,
}


async def _department_form_values(
    page: PageContext, form: forms.FormData, department: schemas.Department | None = None
) -> dict[str, Any]:
    own = department.id if department else None
    return {
        "department": department,
        "parent": await choices.field(
            page, choices.DEPARTMENTS, "parent_department_id", form, exclude=own
        ),
        "manager": await choices.field(page, choices.EMPLOYEES, "manager_employee_id", form),
    }


@router.get("/w/{workspace_ref}/departments")
async def departments(
    page: DepartmentsRead, paging: PageParams, q: Search = None, sort: Sort = None
) -> Response:
    filters = schemas.DepartmentFilters(q=q, sort=sort)
    result = await service.list_departments(page.ws, page.db, filters, paging)
    return await page.render(
        "hr/departments.html",
        result=result,
        department_names=await _department_names(
            page, (d.parent_department_id for d in result.items)
        ),
        employee_names=await _employee_names(page, (d.manager_employee_id for d in result.items)),
    )


DEPARTMENT_COLUMNS: list[lists.Column[lists.Named[schemas.Department]]] = [
    lists.Column("Code", lambda r: r.item.code),
    lists.Column("Name", lambda r: r.item.name),
    lists.Column("Parent department", lambda r: r.name(r.item.parent_department_id)),
    lists.Column("Manager", lambda r: r.name(r.item.manager_employee_id)),
]


@lists.csv_route(router, "/w/{workspace_ref}/departments.csv")
async def departments_csv(page: DepartmentsRead, q: Search = None, sort: Sort = None) -> Response:
    filters = schemas.DepartmentFilters(q=q, sort=sort)

    async def names(items: list[schemas.Department]) -> dict[uuid.UUID, str]:
        parents = await _department_names(page, (d.parent_department_id for d in items))
        return parents | await _employee_names(page, (d.manager_employee_id for d in items))

    fetch = pages(lambda p: service.list_departments(page.ws, page.db, filters, p))
    return await lists.download("departments", DEPARTMENT_COLUMNS, lists.named(fetch, names))


@router.get("/w/{workspace_ref}/departments/new")
async def new_department_form(page: DepartmentsManage) -> Response:
    values = await _department_form_values(page, {})
    return await page.render(DEPARTMENT_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/departments/new")
async def create_department(page: DepartmentsManage) -> Response:
    form = await forms.read_form(page.request)
    values = await _department_form_values(page, form)

    async def create(data: schemas.DepartmentCreate) -> schemas.Department:
        return await service.create_department(page.ws, page.db, data)

    saved = await _save(
        page,
        DEPARTMENT_FORM,
        form,
        values,
        schemas.DepartmentCreate,
        form,
        create,
        DEPARTMENT_CHOICES,
    )
    if isinstance(saved, Response):
        return saved
    return page.redirect(
        page.url("/departments"), page._("Department %(name)s created.", name=saved.name)
    )


@router.get("/w/{workspace_ref}/departments/{department_id}/edit")
async def edit_department_form(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    department = await service.get_department(page.ws, page.db, department_id)
    form = department.model_dump(mode="json")
    values = await _department_form_values(page, form, department)
    return await page.render(DEPARTMENT_FORM, form=form, errors=None, **values)


@router.post("/w/{workspace_ref}/departments/{department_id}/edit")
async def update_department(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    department = await service.get_department(page.ws, page.db, department_id)
    form = await forms.read_form(page.request)
    values = await _department_form_values(page, form, department)

    async def update(data: schemas.DepartmentUpdate) -> schemas.Department:
        return await service.update_department(page.ws, page.db, department_id, data)

    body = _changes(form, DEPARTMENT_FIELDS)
    saved = await _save(
        page,
        DEPARTMENT_FORM,
        form,
        values,
        schemas.DepartmentUpdate,
        body,
        update,
        DEPARTMENT_CHOICES,
    )
    if isinstance(saved, Response):
        return saved
    return page.redirect(
        page.url("/departments"), page._("Department %(name)s saved.", name=saved.name)
    )


@router.post("/w/{workspace_ref}/departments/{department_id}/delete")
async def delete_department(department_id: uuid.UUID, page: DepartmentsManage) -> Response:
    return await _delete(
        page,
        "/departments",
        page._("Department deleted."),
        lambda: service.delete_department(page.ws, page.db, department_id),
    )


# Employees

EMPLOYEE_FORM = "hr/employee_form.html"


EMPLOYEE_CHOICES = {
    "user_id": choices.MEMBERS,
    "department_id": choices.DEPARTMENTS,
    "manager_id": choices.EMPLOYEES,
}


async def _employee_form_values(
    page: PageContext, form: forms.FormData, employee: schemas.Employee | None = None
) -> dict[str, Any]:
    own = employee.id if employee else None
    return {
        "employee": employee,
        "member": await choices.field(page, choices.MEMBERS, "user_id", form),
        "department": await choices.field(page, choices.DEPARTMENTS, "department_id", form),
        "manager": await choices.field(page, choices.EMPLOYEES, "manager_id", form, exclude=own),
        "employment_types": _choices(EMPLOYMENT_TYPES),
        "statuses": _choices(EMPLOYEE_STATUSES),
        "show_salary": page.ws.can("hr:salary"),
    }


async def _employee_filters(
    page: PageContext, status: str | None, q: str | None, sort: str | None
) -> tuple[schemas.EmployeeFilters, dict[str, Any], forms.FormErrors | None]:
    """The employee list's filters from its address, the address with its department
    read back, and the refusal of a department typed that names none."""
    query, errors = await _filter(page, choices.DEPARTMENTS, "department_id")
    filters = schemas.EmployeeFilters(
        department_id=_filter_id(query, "department_id"),
        statuses=[status] if status else [],
        q=q,
        sort=sort,
    )
    return filters, query, errors


@router.get("/w/{workspace_ref}/employees")
async def employees(
    page: EmployeesRead,
    paging: PageParams,
    status: Status = None,
    q: Search = None,
    sort: Sort = None,
) -> Response:
    filters, query, errors = await _employee_filters(page, status, q, sort)
    result = await service.list_employees(page.ws, page.db, filters, paging)
    return await page.render(
        "hr/employees.html",
        status_code=errors.status if errors else 200,
        errors=errors,
        result=result,
        statuses=_choices(EMPLOYEE_STATUSES),
        department=await choices.field(page, choices.DEPARTMENTS, "department_id", query),
        department_names=await _department_names(page, (e.department_id for e in result.items)),
    )


EmployeeRow = lists.Named[schemas.Employee]
EMPLOYEE_COLUMNS: list[lists.Column[EmployeeRow]] = [
    lists.Column("Number", lambda r: r.item.number),
    lists.Column("First name", lambda r: r.item.first_name),
    lists.Column("Last name", lambda r: r.item.last_name),
    lists.Column("Work email", lambda r: r.item.work_email),
    lists.Column("Job title", lambda r: r.item.job_title),
    lists.Column("Department", lambda r: r.name(r.item.department_id)),
    lists.Column("Employment type", lambda r: labelled(r.item.employment_type)),
    lists.Column("Status", lambda r: labelled(r.item.status)),
    lists.Column("Start date", lambda r: r.item.start_date),
    lists.Column("End date", lambda r: r.item.end_date),
]


def _salary(row: EmployeeRow) -> schemas.EmployeeWithSalary:
    assert isinstance(row.item, schemas.EmployeeWithSalary), "listed for hr:salary only"
    return row.item


SALARY_COLUMNS: list[lists.Column[EmployeeRow]] = [
    lists.Column("Salary", lambda r: _salary(r).salary),
    lists.Column("Salary currency", lambda r: _salary(r).salary_currency),
]


@lists.csv_route(router, "/w/{workspace_ref}/employees.csv")
async def employees_csv(
    page: EmployeesRead, status: Status = None, q: Search = None, sort: Sort = None
) -> Response:
    """The salary columns only for those who may see salaries, as on the employee's page."""
    filters, _, errors = await _employee_filters(page, status, q, sort)
    if errors:
        raise lists.refused(errors)

    async def names(items: list[schemas.Employee]) -> dict[uuid.UUID, str]:
        return await _department_names(page, (e.department_id for e in items))

    def fetch(p: PageRequest) -> Awaitable[Paged[schemas.Employee]]:
        return service.list_employees(page.ws, page.db, filters, p)

    salaries = SALARY_COLUMNS if service.may_see_salaries(page.ws) else []
    return await lists.download(
        "employees",
        [*EMPLOYEE_COLUMNS, *salaries],
        lists.named(pages(fetch), names),
    )


@router.get("/w/{workspace_ref}/employees/new")
async def new_employee_form(page: EmployeesManage) -> Response:
    values = await _employee_form_values(page, {})
    return await page.render(EMPLOYEE_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/employees/new")
async def create_employee(page: EmployeesManage) -> Response:
    form = await forms.read_form(page.request)
    values = await _employee_form_values(page, form)

    async def create(data: schemas.EmployeeCreate) -> service.EmployeeView:
        return await service.create_employee(page.ws, page.db, data)

    saved = await _save(
        page, EMPLOYEE_FORM, form, values, schemas.EmployeeCreate, form, create, EMPLOYEE_CHOICES
    )
    if isinstance(saved, Response):
        return saved
    return page.redirect(
        page.url(f"/employees/{saved.id}"),
        page._("Employee %(number)s created.", number=saved.number),
    )


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
        await service.leave_balance(page.ws, page.db, employee_id, business_day().year)
        if page.ws.can("leave:read")
        else None
    )
    return await page.render(
        "hr/employee.html",
        crumbs=[Crumb(f"{employee.first_name} {employee.last_name}")],
        employee=employee,
        salary=employee if isinstance(employee, schemas.EmployeeWithSalary) else None,
        department=department,
        manager=manager,
        balance=balance,
    )


@router.get("/w/{workspace_ref}/employees/{employee_id}/edit")
async def edit_employee_form(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    employee = await service.get_employee(page.ws, page.db, employee_id)
    form = employee.model_dump(mode="json")
    values = await _employee_form_values(page, form, employee)
    return await page.render(EMPLOYEE_FORM, form=form, errors=None, **values)


@router.post("/w/{workspace_ref}/employees/{employee_id}/edit")
async def update_employee(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    employee = await service.get_employee(page.ws, page.db, employee_id)
    form = await forms.read_form(page.request)
    values = await _employee_form_values(page, form, employee)

    async def update(data: schemas.EmployeeUpdate) -> service.EmployeeView:
        return await service.update_employee(page.ws, page.db, employee_id, data)

    # Salary fields go along for those who see them, or when sent (the service refuses).
    salary = values["show_salary"] or any(name in form for name in SALARY_FIELDS)
    body = {
        **_changes(form, EMPLOYEE_FIELDS),
        "job_title": form.get("job_title", ""),
        **(_changes(form, SALARY_FIELDS) if salary else {}),
    }
    saved = await _save(
        page, EMPLOYEE_FORM, form, values, schemas.EmployeeUpdate, body, update, EMPLOYEE_CHOICES
    )
    if isinstance(saved, Response):
        return saved
    return page.redirect(
        page.url(f"/employees/{employee_id}"),
        page._("Employee %(number)s saved.", number=saved.number),
    )


@router.post("/w/{workspace_ref}/employees/{employee_id}/delete")
async def delete_employee(employee_id: uuid.UUID, page: EmployeesManage) -> Response:
    return await _delete(
        page,
        "/employees",
        page._("Employee deleted."),
        lambda: service.delete_employee(page.ws, page.db, employee_id),
    )


# Leave requests


async def _leave_filters(
    page: PageContext, status: str, sort: str | None
) -> tuple[schemas.LeaveRequestFilters, dict[str, Any], forms.FormErrors | None]:
    """The leave list's filters from its address (`status` "all": any), the address with
    its employee read back, and the refusal of an employee typed that names none."""
    query, errors = await _filter(page, choices.EMPLOYEES, "employee_id")
    filters = schemas.LeaveRequestFilters(
        employee_id=_filter_id(query, "employee_id"),
        statuses=[] if status == "all" else [status],
        sort=sort,
    )
    return filters, query, errors


@router.get("/w/{workspace_ref}/leave")
async def leave_requests(
    page: LeaveRead,
    paging: PageParams,
    status: Status = None,
    sort: Sort = None,
) -> Response:
    status = status or "pending"
    filters, query, errors = await _leave_filters(page, status, sort)
    result = await service.list_leave_requests(page.ws, page.db, filters, paging)
    actions = await service.allowed_leave_actions(page.ws, page.db, [r.id for r in result.items])
    return await page.render(
        "hr/leave.html",
        status_code=errors.status if errors else 200,
        errors=errors,
        result=result,
        status=status,
        statuses=[*_choices(LEAVE_STATUSES), ("all", page._("All"))],
        employee=await choices.field(page, choices.EMPLOYEES, "employee_id", query),
        employee_names=await _employee_names(page, (r.employee_id for r in result.items)),
        type_names={t.id: t.name for t in await _leave_types(page)},
        deciding={i for i, a in actions.items() if service.LeaveAction.DECIDE in a},
    )


LeaveRow = lists.Named[schemas.LeaveRequest]
LEAVE_COLUMNS: list[lists.Column[LeaveRow]] = [
    lists.Column("Employee", lambda r: r.name(r.item.employee_id)),
    lists.Column("Leave type", lambda r: r.name(r.item.leave_type_id)),
    lists.Column("From", lambda r: r.item.start_date),
    lists.Column("From midday", lambda r: lists.yes_no(r.item.start_half_day)),
    lists.Column("To", lambda r: r.item.end_date),
    lists.Column("To midday", lambda r: lists.yes_no(r.item.end_half_day)),
    lists.Column("Days", lambda r: r.item.days),
    lists.Column("Status", lambda r: labelled(r.item.status)),
    lists.Column("Reason", lambda r: r.item.reason),
    lists.Column("Decision note", lambda r: r.item.decision_note),
]


@lists.csv_route(router, "/w/{workspace_ref}/leave.csv")
async def leave_requests_csv(page: LeaveRead, status: Status = None, sort: Sort = None) -> Response:
    filters, _, errors = await _leave_filters(page, status or "pending", sort)
    if errors:
        raise lists.refused(errors)
    types = {t.id: t.name for t in await _leave_types(page)}

    async def names(items: list[schemas.LeaveRequest]) -> dict[uuid.UUID, str]:
        return types | await _employee_names(page, (r.employee_id for r in items))

    fetch = pages(lambda p: service.list_leave_requests(page.ws, page.db, filters, p))
    return await lists.download("leave-requests", LEAVE_COLUMNS, lists.named(fetch, names))


LEAVE_FORM = "hr/leave_form.html"


LEAVE_CHOICES = {"employee_id": choices.EMPLOYEES}


async def _leave_form_values(page: PageContext, form: forms.FormData) -> dict[str, Any]:
    employee = None
    if page.ws.can("leave:manage"):
        employee = await choices.field(page, choices.EMPLOYEES, "employee_id", form)
    return {
        "leave_types": [(str(t.id), t.name) for t in await _leave_types(page)],
        "employee": employee,
    }


@router.get("/w/{workspace_ref}/leave/new")
async def new_leave_form(page: LeaveFile) -> Response:
    values = await _leave_form_values(page, {})
    return await page.render(LEAVE_FORM, form={}, errors=None, **values)


@router.post("/w/{workspace_ref}/leave/new")
async def create_leave_request(page: LeaveFile) -> Response:
    form = await forms.read_form(page.request)
    values = await _leave_form_values(page, form)

    async def create(data: schemas.LeaveRequestCreate) -> schemas.LeaveRequest:
        return await service.create_leave_request(page.ws, page.db, data)

    saved = await _save(
        page, LEAVE_FORM, form, values, schemas.LeaveRequestCreate, form, create, LEAVE_CHOICES
    )
    if isinstance(saved, Response):
        return saved
    return page.redirect(
        page.url(f"/leave/{saved.id}"), page._("Leave requested: %(days)s days.", days=saved.days)
    )


@router.get("/w/{workspace_ref}/leave/{request_id}")
async def leave_request_detail(request_id: uuid.UUID, page: LeaveRead) -> Response:
    request = await service.get_leave_request(page.ws, page.db, request_id)
    employee = await service.get_employee(page.ws, page.db, request.employee_id)
    leave_type = await service.get_leave_type(page.ws, page.db, request.leave_type_id)
    actions = (await service.allowed_leave_actions(page.ws, page.db, [request_id]))[request_id]
    may_decide = service.LeaveAction.DECIDE in actions
    balance = None
    if may_decide:  # the approver sees what the employee has left of this leave type
        year = await service.leave_balance(
            page.ws, page.db, request.employee_id, request.start_date.year
        )
        balance = next(
            (b for b in year.leave_types if b.leave_type_id == request.leave_type_id), None
        )
    return await page.render(
        "hr/leave_request.html",
        crumbs=[Crumb(f"{employee.first_name} {employee.last_name}, {request.start_date}")],
        leave=request,
        employee=employee,
        leave_type=leave_type,
        may_decide=may_decide,
        may_cancel=service.LeaveAction.CANCEL in actions,
        balance=balance,
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
    return page.redirect(back, page._("Leave request %(status)s.", status=done.status))


async def _decide(page: PageContext, request_id: uuid.UUID, *, approve: bool) -> Response:
    """A decision with the note the form may carry (`note`, for the requester)."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.LeaveDecision, {"note": form.get("note", "")})
    except forms.FormErrors:
        back = page.url(f"/leave/{request_id}")
        return page.redirect(back, page._("The note holds at most 2,000 characters."), kind="error")
    return await _leave_action(
        page,
        request_id,
        lambda: service.decide_leave_request(
            page.ws, page.db, request_id, approve=approve, note=data.note
        ),
    )


async def _leave_request_name(page: PageContext, request_id: uuid.UUID) -> str:
    request = await service.get_leave_request(page.ws, page.db, request_id)
    names = await _employee_names(page, [request.employee_id])
    who = names.get(request.employee_id) or page._("an employee")
    return page._(
        "The leave request of %(who)s from %(start)s", who=who, start=request.start_date.isoformat()
    )


@router.post("/w/{workspace_ref}/leave/bulk")
async def decide_leave_requests(page: LeaveRead) -> Response:
    """Approves or rejects every chosen request (`decision`), one note for them all."""
    ids, form = await bulk.read_ids(page)
    back = bulk.the_list(page, "/leave")
    decision = form.get("decision")
    if decision not in ("approve", "reject"):
        return page.redirect(back, page._("Choose Approve or Reject."), kind="error")
    approve = decision == "approve"
    try:
        data = forms.parse(schemas.LeaveDecision, {"note": form.get("note", "")})
    except forms.FormErrors:
        return page.redirect(back, page._("The note holds at most 2,000 characters."), kind="error")
    return await bulk.apply_all(
        page,
        back,
        ids,
        lambda request_id: service.decide_leave_request(
            page.ws, page.db, request_id, approve=approve, note=data.note
        ),
        lambda request_id: _leave_request_name(page, request_id),
        page.ngettext(
            "%(count)d leave request approved.", "%(count)d leave requests approved.", len(ids)
        )
        if approve
        else page.ngettext(
            "%(count)d leave request rejected.", "%(count)d leave requests rejected.", len(ids)
        ),
    )


@router.post("/w/{workspace_ref}/leave/{request_id}/approve")
async def approve_leave_request(request_id: uuid.UUID, page: LeaveRead) -> Response:
    return await _decide(page, request_id, approve=True)


@router.post("/w/{workspace_ref}/leave/{request_id}/reject")
async def reject_leave_request(request_id: uuid.UUID, page: LeaveRead) -> Response:
    return await _decide(page, request_id, approve=False)


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


LEAVE_TYPE_COLUMNS: list[lists.Column[schemas.LeaveType]] = [
    lists.Column("Name", lambda t: t.name),
    lists.Column("Days a year", lambda t: t.yearly_allowance_days),
]


@lists.csv_route(router, "/w/{workspace_ref}/leave-types.csv")
async def leave_types_csv(page: LeaveRead, q: Search = None, sort: Sort = None) -> Response:
    filters = schemas.LeaveTypeFilters(q=q, sort=sort)
    fetch = pages(lambda p: service.list_leave_types(page.ws, page.db, filters, p))
    return await lists.download("leave-types", LEAVE_TYPE_COLUMNS, fetch)


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
    return page.redirect(
        page.url("/leave-types"), page._("Leave type %(name)s created.", name=saved.name)
    )


@router.post("/w/{workspace_ref}/leave-types/{leave_type_id}/delete")
async def delete_leave_type(leave_type_id: uuid.UUID, page: LeaveManage) -> Response:
    return await _delete(
        page,
        "/leave-types",
        page._("Leave type deleted."),
        lambda: service.delete_leave_type(page.ws, page.db, leave_type_id),
    )
