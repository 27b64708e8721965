"""Choices that can grow: customers, employees, departments, members, projects and the
ledger accounts (all of them for the reports, the active ones for a new posting).

Up to SELECT_LIMIT rows, a form shows them all in a plain select. Past it, the field is a
type-ahead (`ui.choice` in _macros.html, static/choices.js): its text input `NAME-search`
asks `/w/{ws}/choices/{kind}?field=NAME&NAME-search=TEXT` for a fragment of at most
OPTION_LIMIT options, found by the module's own list search (the API's `q`); a hidden
`NAME` holds the chosen id and a hidden `NAME-label` the text it was chosen with.

`resolve` reads such a field back: an unchanged text keeps the id; an edited one (no
script, or typed over) must name exactly one row (its name, e-mail, number or label),
else the field is refused. A page never picks a row the person did not name.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from atlas.errors import NotFound
from atlas.finance import schemas as finance_schemas
from atlas.finance import service as finance
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.ledger import schemas as ledger_schemas
from atlas.ledger import service as ledger
from atlas.pagination import MAX_LIMIT, Page, PageRequest
from atlas.projects import schemas as project_schemas
from atlas.projects import service as projects
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.i18n import N_
from atlas.web.render import PageContext
from atlas.web.routing import page_router
from atlas.workspaces import schemas as workspace_schemas
from atlas.workspaces import service as workspaces

router = page_router()

# Past this many rows a choice is a type-ahead; the fragment shows OPTION_LIMIT at most.
SELECT_LIMIT = 50
OPTION_LIMIT = 10


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    # What a typed text may be, exactly (casefolded), to name this row.
    names: frozenset[str]


def _option(value: object, label: str, names: Iterable[str | int | None]) -> Option:
    keys = {str(n).casefold() for n in (label, *names) if n is not None}
    return Option(str(value), label, frozenset(keys))


# The options of one search, and how many rows matched (or, past the count cap, a lower bound
# of them: see `Page.total_is_capped`).
Found = tuple[list[Option], "Count"]


@dataclass(frozen=True)
class Count:
    total: int
    capped: bool


def _count(result: Page[Any]) -> Count:
    return Count(result.total, result.total_is_capped)


@dataclass(frozen=True)
class Source:
    """One kind of choice: its module's list search and the label of one row."""

    kind: str
    noun: str
    permission: str
    search: Callable[[PageContext, str | None, PageRequest], Awaitable[Found]]
    label: Callable[[PageContext, uuid.UUID], Awaitable[str]]
    # The same search within one parent row (a project's tasks), for `within=`.
    search_within: (
        Callable[[PageContext, str | None, PageRequest, uuid.UUID], Awaitable[Found]] | None
    ) = None


Search = Callable[[PageContext, str | None, PageRequest], Awaitable[Found]]


def _search(source: Source, within: uuid.UUID | None) -> Search:
    """The source's search, within the parent row `within` where the source has one."""
    scoped = source.search_within
    if within is None or scoped is None:
        return source.search
    return lambda page, q, paging: scoped(page, q, paging, within)


async def _search_customers(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    filters = finance_schemas.CustomerFilters(q=q)
    result = await finance.list_customers(page.ws, page.db, filters, paging)
    return [_option(c.id, c.name, [c.email]) for c in result.items], _count(result)


async def _customer_label(page: PageContext, customer_id: uuid.UUID) -> str:
    return (await finance.get_customer(page.ws, page.db, customer_id)).name


def employee_label(e: hr_schemas.Employee) -> str:
    return f"{e.first_name} {e.last_name} ({e.number})"


async def _search_employees(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    filters = hr_schemas.EmployeeFilters(q=q, sort="last_name,first_name")
    result = await hr.list_employees(page.ws, page.db, filters, paging)
    return [
        _option(e.id, employee_label(e), [f"{e.first_name} {e.last_name}", e.work_email, e.number])
        for e in result.items
    ], _count(result)


async def _employee_label(page: PageContext, employee_id: uuid.UUID) -> str:
    return employee_label(await hr.get_employee(page.ws, page.db, employee_id))


def department_label(d: hr_schemas.Department) -> str:
    return f"{d.code} · {d.name}"


async def _search_departments(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    filters = hr_schemas.DepartmentFilters(q=q)
    result = await hr.list_departments(page.ws, page.db, filters, paging)
    return [_option(d.id, department_label(d), [d.code, d.name]) for d in result.items], _count(
        result
    )


async def _department_label(page: PageContext, department_id: uuid.UUID) -> str:
    return department_label(await hr.get_department(page.ws, page.db, department_id))


async def _search_members(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    filters = workspace_schemas.MemberFilters(q=q, sort="name")
    result = await workspaces.list_members(page.ws, page.db, filters, paging)
    return [
        _option(m.user_id, f"{m.name} ({m.email})", [m.name, m.email]) for m in result.items
    ], _count(result)


async def _member_label(page: PageContext, user_id: uuid.UUID) -> str:
    member = await workspaces.get_member_of_user(page.ws, page.db, user_id)
    return f"{member.name} ({member.email})"


async def _search_projects(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    filters = project_schemas.ProjectFilters(q=q, sort="code")
    result = await projects.list_projects(page.ws, page.db, filters, paging)
    return [_option(p.id, f"{p.code} · {p.name}", [p.code, p.name]) for p in result.items], _count(
        result
    )


async def _project_label(page: PageContext, project_id: uuid.UUID) -> str:
    project = await projects.get_project(page.ws, page.db, project_id)
    return f"{project.code} · {project.name}"


# The tasks time may be logged on: those still open.
OPEN_TASK_STATUSES = ["todo", "in_progress", "blocked"]


async def _search_open_tasks_of(
    page: PageContext, q: str | None, paging: PageRequest, project_id: uuid.UUID | None
) -> Found:
    filters = project_schemas.TaskFilters(
        project_id=project_id, q=q, statuses=OPEN_TASK_STATUSES, sort="number"
    )
    result = await projects.list_tasks(page.ws, page.db, filters, paging)
    return [_option(t.id, f"{t.key} {t.title}", [t.key, t.title]) for t in result.items], _count(
        result
    )


async def _search_open_tasks(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    return await _search_open_tasks_of(page, q, paging, None)


async def _task_label(page: PageContext, task_id: uuid.UUID) -> str:
    task = await projects.get_task(page.ws, page.db, task_id)
    return f"{task.key} {task.title}"


def account_label(a: ledger_schemas.Account) -> str:
    return f"{a.code} · {a.name}"


async def _accounts(
    page: PageContext, filters: ledger_schemas.AccountFilters, paging: PageRequest
) -> Found:
    result = await ledger.list_accounts(page.ws, page.db, filters, paging)
    return [_option(a.id, account_label(a), [a.code, a.name]) for a in result.items], _count(result)


async def _search_accounts(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    """The accounts postings go to (not the groups), inactive ones too."""
    return await _accounts(page, ledger_schemas.AccountFilters(is_group=False, q=q), paging)


async def _search_posting_accounts(page: PageContext, q: str | None, paging: PageRequest) -> Found:
    """The accounts a new posting may go to: active, not the groups."""
    filters = ledger_schemas.AccountFilters(is_group=False, active=True, q=q)
    return await _accounts(page, filters, paging)


async def _account_label(page: PageContext, account_id: uuid.UUID) -> str:
    return account_label(await ledger.get_account(page.ws, page.db, account_id))


CUSTOMERS = Source(
    "customers", N_("customer"), "customers:read", _search_customers, _customer_label
)
EMPLOYEES = Source(
    "employees", N_("employee"), "employees:read", _search_employees, _employee_label
)
DEPARTMENTS = Source(
    "departments", N_("department"), "departments:read", _search_departments, _department_label
)
MEMBERS = Source("members", N_("member"), "members:read", _search_members, _member_label)
PROJECTS = Source("projects", N_("project"), "projects:read", _search_projects, _project_label)
OPEN_TASKS = Source(
    "tasks", N_("open task"), "tasks:read", _search_open_tasks, _task_label, _search_open_tasks_of
)
# For the general ledger's account: whoever reads the reports may choose one.
ACCOUNTS = Source("accounts", N_("account"), "reports:read", _search_accounts, _account_label)
# For a manual entry's lines: whoever posts one may choose them.
POSTING_ACCOUNTS = Source(
    "posting-accounts",
    N_("active account"),
    "ledger:post",
    _search_posting_accounts,
    _account_label,
)
SOURCES = {
    s.kind: s
    for s in (
        CUSTOMERS,
        EMPLOYEES,
        DEPARTMENTS,
        MEMBERS,
        PROJECTS,
        OPEN_TASKS,
        ACCOUNTS,
        POSTING_ACCOUNTS,
    )
}


@dataclass(frozen=True)
class Field:
    """What `ui.choice` shows: every option (a select) or, past the limit, a type-ahead
    asking `url`, showing `label` for the current value."""

    url: str
    options: list[tuple[str, str]] | None
    label: str


def _id(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def field(
    page: PageContext,
    source: Source,
    name: str,
    form: Mapping[str, Any],
    exclude: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
) -> Field:
    """The choice for form field `name`, without `exclude` (a row cannot be its own parent),
    of the rows `within` one parent where the source has them (a project's tasks)."""
    url = page.url(f"/choices/{source.kind}?field={name}")
    if exclude is not None:
        url += f"&exclude={exclude}"
    if within is not None:
        url += f"&within={within}"
    search = _search(source, within)
    found, count = await search(page, None, PageRequest(limit=SELECT_LIMIT + 1, offset=0))
    kept = [o for o in found if o.value != str(exclude)]
    if len(found) == count.total and not count.capped and len(kept) <= SELECT_LIMIT:
        return Field(url, [(o.value, o.label) for o in kept], "")
    current = _id(form.get(name))
    label = ""
    if current is not None:
        try:
            label = await source.label(page, current)
        except NotFound:
            label = ""
    return Field(url, None, label)


async def resolve(
    page: PageContext,
    source: Source,
    values: Mapping[str, Any],
    name: str,
    within: uuid.UUID | None = None,
) -> dict[str, Any]:
    """`values` with field `name` read from its type-ahead, the type-ahead's own fields
    left out; a typed text that names no row or several is refused on the field."""
    search, shown = f"{name}-search", f"{name}-label"
    text = str(values.get(search) or "")
    resolved = {k: v for k, v in values.items() if k not in (search, shown)}
    if text == str(values.get(shown) or ""):
        return resolved
    if not text:  # cleared: none chosen
        return {**resolved, name: None}
    found, _ = await _search(source, within)(page, text, PageRequest(limit=MAX_LIMIT, offset=0))
    named = [o for o in found if text.casefold() in o.names]
    if len(named) == 1:
        return {**resolved, name: named[0].value}
    if not named and len(found) == MAX_LIMIT:
        message = page._(
            "More than %(most)d %(noun)ss match “%(text)s”;"
            " type the whole name or choose one from the list.",
            most=MAX_LIMIT,
            noun=page._(source.noun),
            text=text,
        )
    elif named:
        message = page._(
            "Several %(noun)ss are named “%(text)s”; choose one from the list.",
            noun=page._(source.noun),
            text=text,
        )
    else:
        message = page._(
            "No %(noun)s is named “%(text)s”; choose one from the list.",
            noun=page._(source.noun),
            text=text,
        )
    raise forms.FormErrors(forms.CORRECT_THE_FIELDS, {name: message})


async def resolve_query(page: PageContext, source: Source, name: str) -> dict[str, Any]:
    """A list page's filters (its address) with the type-ahead `name` read back."""
    typed = forms.typed_query(page.request)
    return await resolve(page, source, typed, name)


# Any member's page; each kind then asks its own read permission.
ChoicesRead = Annotated[PageContext, Depends(workspace_page("workspace:read"))]


@router.get("/w/{workspace_ref}/choices/{kind}")
async def options(
    page: ChoicesRead,
    kind: str,
    field: forms.QueryText = None,
    exclude: forms.QueryText = None,
    within: forms.QueryText = None,
) -> Response:
    """The options matching what is typed in the type-ahead `field` (a fragment)."""
    source = SOURCES.get(kind)
    if source is None or not field:
        raise NotFound(page._("There is no such page."))
    page.ws.require(source.permission)
    typed = (page.request.query_params.get(f"{field}-search") or "").strip()
    search = _search(source, _id(within))
    found, count = await search(page, typed or None, PageRequest(limit=OPTION_LIMIT + 1, offset=0))
    kept = [o for o in found if o.value != exclude]
    return await page.render(
        "_choice_options.html",
        field=field,
        source=source,
        options=kept[:OPTION_LIMIT],
        count=Count(count.total - (len(found) - len(kept)), count.capped),
        typed=typed,
    )
