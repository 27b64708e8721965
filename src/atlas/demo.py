"""Demo data: two workspaces, their owners, and one user who belongs to both.

Loaded through the services, as the app role, so the demo obeys every rule the API does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from atlas.clock import business_day
from atlas.config import Settings
from atlas.credentials import hash_password
from atlas.db.ids import uuid7
from atlas.db.pool import connect
from atlas.finance import schemas as finance_schemas
from atlas.finance import service as finance
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.identity.repository import IdentityRepository
from atlas.ledger import service as ledger
from atlas.projects import schemas as project_schemas
from atlas.projects import service as projects
from atlas.roles import schemas as role_schemas
from atlas.roles import service as roles
from atlas.tenancy.context import Principal, WorkspaceContext
from atlas.tenancy.permissions import permissions_of
from atlas.timesheets import schemas as timesheets_schemas
from atlas.timesheets import service as timesheets
from atlas.workspaces import schemas as workspace_schemas
from atlas.workspaces import service as workspaces
from atlas.workspaces.repository import MembersRepository

DEMO_PASSWORD = "atlas-demo-password"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: str


DEMO_USERS = (
    DemoUser("olivia@acme.example", "Olivia Owens", "Acme Corp (owner)"),
    DemoUser("gordon@globex.example", "Gordon Gray", "Globex (owner)"),
    DemoUser("sam@consultant.example", "Sam Rivera", "Acme Corp (member), Globex (admin)"),
)

# (code, name, status, budget, [(title, status, priority, assignee index or None, due in days)])
Plan = list[tuple[str, str, str, str | None, list[tuple[str, str, str, int | None, int | None]]]]

ACME: Plan = [
    (
        "WEB",
        "Website relaunch",
        "active",
        "25000.00",
        [
            ("Draft the sitemap", "done", "medium", 0, -10),
            ("Design the home page", "in_progress", "high", 2, 5),
            ("Write product copy", "todo", "medium", 2, 12),
            ("Set up analytics", "todo", "low", None, None),
        ],
    ),
    (
        "OPS",
        "Office move",
        "planned",
        "8000.00",
        [
            ("Collect quotes from movers", "todo", "high", 0, 7),
            ("Plan the seating", "blocked", "medium", None, 20),
        ],
    ),
]
GLOBEX: Plan = [
    (
        "HYD",
        "Hydro plant audit",
        "active",
        "120000.00",
        [
            ("Inspect turbines", "in_progress", "urgent", 1, 3),
            ("Review safety reports", "todo", "high", 2, 9),
            ("Summarise findings", "todo", "medium", None, 30),
        ],
    ),
    (
        "MKT",
        "Spring campaign",
        "on_hold",
        None,
        [("Brief the agency", "todo", "medium", 2, None)],
    ),
]


def _principal(user_id: uuid.UUID, user: DemoUser) -> Principal:
    """The demo acts as its users; it has no session of theirs."""
    return Principal(
        user_id=user_id,
        email=user.email,
        name=user.name,
        session_id=uuid7(),
        session_expires_at=datetime.now(UTC),
        active_workspace_id=None,
        via_workspace_token=False,
    )


# A custom role every demo workspace starts with: finance without HR or settings.
ACCOUNTANT = role_schemas.RoleCreate(
    name="accountant",
    description="Customers, invoices, payments and the books; reads the rest.",
    permissions=[
        "workspace:read",
        "members:read",
        "projects:read",
        "tasks:read",
        "time:read",
        "customers:read",
        "customers:manage",
        "invoices:read",
        "invoices:write",
        "invoices:issue",
        "invoices:void",
        "payments:record",
        "accounts:manage",
        "ledger:read",
        "ledger:post",
        "reports:read",
        "roles:read",
    ],
)


async def _workspace(
    db: asyncpg.Connection,
    owner: Principal,
    name: str,
    members: list[tuple[uuid.UUID, str]],
    plan: Plan,
    people: list[uuid.UUID],
) -> tuple[WorkspaceContext, list[uuid.UUID]]:
    ws = await workspaces.create_workspace(owner, db, workspace_schemas.WorkspaceCreate(name=name))
    ctx = WorkspaceContext(
        workspace_id=ws.id,
        workspace_slug=ws.slug,
        workspace_name=ws.name,
        user_id=owner.user_id,
        role="owner",
        permissions=permissions_of("owner"),
        request_id="demo",
    )
    for user_id, role in members:
        await MembersRepository(db, ws.id).insert(uuid7(), user_id, role, None)
    await roles.create_role(ctx, db, ACCOUNTANT)
    today = business_day()
    project_ids = []
    for code, title, status, budget, tasks in plan:
        project = await projects.create_project(
            ctx,
            db,
            project_schemas.ProjectCreate(
                code=code,
                name=title,
                status=status,
                start_date=today - timedelta(days=30),
                budget=Decimal(budget) if budget else None,
            ),
        )
        project_ids.append(project.id)
        for task_title, task_status, priority, assignee, due in tasks:
            await projects.create_task(
                ctx,
                db,
                project.id,
                project_schemas.TaskCreate(
                    title=task_title,
                    status=task_status,
                    priority=priority,
                    assignee_user_id=people[assignee] if assignee is not None else None,
                    due_date=today + timedelta(days=due) if due is not None else None,
                ),
            )
    return ctx, project_ids


# (first name, last name, work email, index of the linked demo user or None, department
#  code, job title, yearly salary); the first is everyone's manager.
Staff = list[tuple[str, str, str, int | None, str, str, str]]

ACME_STAFF: Staff = [
    ("Olivia", "Owens", "olivia@acme.example", 0, "OPS", "Managing director", "98000"),
    ("Sam", "Rivera", "sam@acme.example", 2, "ENG", "Consultant", "72000"),
    ("Priya", "Patel", "priya@acme.example", None, "ENG", "Developer", "81000"),
]
GLOBEX_STAFF: Staff = [
    ("Gordon", "Gray", "gordon@globex.example", 1, "OPS", "Plant director", "105000"),
    ("Sam", "Rivera", "sam@globex.example", 2, "ENG", "Auditor", "69000"),
]


async def _people_and_money(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    staff: Staff,
    people: list[uuid.UUID],
    customers: list[str],
    project_id: uuid.UUID,
) -> None:
    """Departments, employees, leave, time, customers and invoices in every status."""
    today = business_day()
    next_monday = today + timedelta(days=7 - today.weekday())
    departments = {}
    for code, name in (("ENG", "Engineering"), ("OPS", "Operations")):
        department = await hr.create_department(
            ctx, db, hr_schemas.DepartmentCreate(code=code, name=name)
        )
        departments[code] = department.id
    employees: list[uuid.UUID] = []
    for first, last, email, user, department_code, title, salary in staff:
        employee = await hr.create_employee(
            ctx,
            db,
            hr_schemas.EmployeeCreate(
                first_name=first,
                last_name=last,
                work_email=email,
                user_id=people[user] if user is not None else None,
                department_id=departments[department_code],
                manager_id=employees[0] if employees else None,
                job_title=title,
                start_date=today - timedelta(days=400),
                status="active",
                salary=Decimal(salary),
                salary_currency="USD",
            ),
        )
        employees.append(employee.id)
    annual = await hr.create_leave_type(
        ctx, db, hr_schemas.LeaveTypeCreate(name="Annual leave", yearly_allowance_days=Decimal(25))
    )
    await hr.create_leave_type(
        ctx, db, hr_schemas.LeaveTypeCreate(name="Sick leave", yearly_allowance_days=Decimal(10))
    )
    # Filed by the employee themself, so that their manager (the owner) may decide it.
    requester = staff[1][3]
    assert requester is not None
    filer = replace(
        ctx, user_id=people[requester], role="member", permissions=permissions_of("member")
    )
    await hr.create_leave_request(  # waiting for the manager
        filer,
        db,
        hr_schemas.LeaveRequestCreate(
            employee_id=employees[1],
            leave_type_id=annual.id,
            start_date=next_monday,
            end_date=next_monday + timedelta(days=2),
            reason="Family visit",
        ),
    )
    for day in range(3):
        await timesheets.create_time_entry(
            ctx,
            db,
            timesheets_schemas.TimeEntryCreate(
                employee_id=employees[1],
                project_id=project_id,
                entry_date=next_monday - timedelta(days=14 - day),
                hours=Decimal("6.5"),
                description="Client workshop and follow-up",
                hourly_rate=Decimal("120.00"),
            ),
        )
    made = [
        await finance.create_customer(
            ctx, db, finance_schemas.CustomerCreate(name=name, email=None)
        )
        for name in customers
    ]
    customer_ids = [customer.id for customer in made]
    line = finance_schemas.InvoiceLineIn(
        description="Consulting",
        quantity=Decimal(10),
        unit_price=Decimal("150.00"),
        tax_rate=Decimal(20),
    )
    # draft; issued and overdue; issued and paid (two weeks later); void: over three months
    for issued_days_ago, pay, void in (
        (None, False, False),
        (75, False, False),
        (50, True, False),
        (20, True, False),
        (10, False, True),
    ):
        invoice = await finance.create_invoice(
            ctx,
            db,
            finance_schemas.InvoiceCreate(
                customer_id=customer_ids[len(customer_ids) - 1 if pay else 0],
                issue_date=today - timedelta(days=issued_days_ago) if issued_days_ago else None,
                lines=[line],
            ),
        )
        if issued_days_ago is None:
            continue
        issued = await finance.issue_invoice(ctx, db, invoice.id)
        if pay:
            await finance.record_payment(
                ctx,
                db,
                issued.id,
                finance_schemas.PaymentCreate(
                    amount=issued.total, paid_on=today - timedelta(days=issued_days_ago - 14)
                ),
            )
        if void:
            await finance.void_invoice(ctx, db, issued.id)
    await _books(ctx, db, made[0].currency, (today - timedelta(days=75)).replace(day=1), today)


# Monthly costs the demo's books pay from the bank: (expense account code, amount, memo).
MONTHLY_COSTS = (
    ("6200", Decimal("1800.00"), "Office rent"),
    ("6400", Decimal("240.00"), "Software"),
)
OPENING_BANK = Decimal("20000.00")


async def _books(
    ctx: WorkspaceContext, db: asyncpg.Connection, currency: str, first: date, today: date
) -> None:
    """An opening bank balance on `first`, then rent and software on each first of the
    month up to `today`, so the reports have figures beside the invoices'."""
    roles = (ledger.SystemRole.BANK, ledger.SystemRole.OPENING_BALANCES)
    system = await ledger.system_accounts(db, ctx.workspace_id, roles)
    bank = system[ledger.SystemRole.BANK]
    costs = await ledger.accounts_by_code(db, ctx.workspace_id, [c for c, _, _ in MONTHLY_COSTS])
    # (date, memo, debited account, credited account, amount)
    entries = [
        (first, "Opening balance", bank, system[ledger.SystemRole.OPENING_BALANCES], OPENING_BANK)
    ]
    month = first
    while month <= today:
        entries += [
            (month, memo, costs[code], bank, amount) for code, amount, memo in MONTHLY_COSTS
        ]
        month = (month + timedelta(days=32)).replace(day=1)
    for on, memo, debited, credited, amount in entries:
        await ledger.post(
            db,
            ctx.workspace_id,
            ledger.Posting(
                entry_date=on,
                currency=currency,
                memo=memo,
                source_type=ledger.SourceType.MANUAL,
                source_id=None,
                source_event="posted",
                lines=[
                    ledger.PostingLine(account_id=debited, debit=amount),
                    ledger.PostingLine(account_id=credited, credit=amount),
                ],
            ),
        )


async def _demo_users(db: asyncpg.Connection) -> list[uuid.UUID]:
    identity = IdentityRepository(db)
    password_hash = await hash_password(DEMO_PASSWORD)
    people: list[uuid.UUID] = []
    for user in DEMO_USERS:
        row = await identity.create_user(user.email, user.name, password_hash)
        assert row is not None
        # Demo addresses are not real mailboxes: they start verified, as after the link.
        await identity.set_email_verified(row["id"], user.email)
        people.append(row["id"])
    return people


async def _acme(db: asyncpg.Connection, settings: Settings, people: list[uuid.UUID]) -> None:
    olivia, _, sam = people
    acme, acme_projects = await _workspace(
        db, _principal(olivia, DEMO_USERS[0]), "Acme Corp", [(sam, "member")], ACME, people
    )
    await _people_and_money(
        acme, db, ACME_STAFF, people, ["Initech", "Umbrella Corp"], acme_projects[0]
    )
    await workspaces.invite(
        acme,
        db,
        settings,
        workspace_schemas.InvitationCreate(email="new.hire@acme.example", role="member"),
    )


async def _globex(db: asyncpg.Connection, people: list[uuid.UUID]) -> None:
    _, gordon, sam = people
    globex, globex_projects = await _workspace(
        db, _principal(gordon, DEMO_USERS[1]), "Globex", [(sam, "admin")], GLOBEX, people
    )
    await _people_and_money(
        globex, db, GLOBEX_STAFF, people, ["Soylent", "Wayne Enterprises"], globex_projects[0]
    )


async def load_demo_if_empty(settings: Settings) -> bool:
    """Loads the demo unless the database has users already; True if it did.

    The users and Acme Corp commit together, Globex in a second transaction: the books
    check a transaction's postings at its commit, under the tenant context it ends in, so
    one transaction posts in one workspace only."""
    conn = await connect(settings.runtime_url())
    try:
        async with conn.transaction():
            if await IdentityRepository(conn).has_users():
                return False
            people = await _demo_users(conn)
            await _acme(conn, settings, people)
        async with conn.transaction():
            await _globex(conn, people)
        return True
    finally:
        await conn.close()


def sign_in_lines() -> list[str]:
    lines = [f"Demo sign-ins (password: {DEMO_PASSWORD}):"]
    lines += [f"  {user.email:<26} {user.memberships}" for user in DEMO_USERS]
    return lines
