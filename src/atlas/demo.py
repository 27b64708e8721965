"""Demo data: two workspaces, their owners, and one user who belongs to both.

Loaded through the services, as the app role, so the demo obeys every rule the API does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.db.pool import configure_connection
from atlas.identity.repository import IdentityRepository
from atlas.identity.secrets import hash_password
from atlas.projects import schemas as project_schemas
from atlas.projects import service as projects
from atlas.tenancy.context import Principal, WorkspaceContext
from atlas.tenancy.permissions import permissions_of
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


async def _workspace(
    db: asyncpg.Connection,
    owner: Principal,
    name: str,
    members: list[tuple[uuid.UUID, str]],
    plan: Plan,
    people: list[uuid.UUID],
) -> WorkspaceContext:
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
        await MembersRepository(db, ws.id).insert(uuid7(), user_id, role)
    today = date.today()
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
    return ctx


async def load_demo(db: asyncpg.Connection, settings: Settings) -> None:
    identity = IdentityRepository(db)
    password_hash = await hash_password(DEMO_PASSWORD)
    people: list[uuid.UUID] = []
    for user in DEMO_USERS:
        row = await identity.create_user(user.email, user.name, password_hash)
        assert row is not None
        people.append(row["id"])
    olivia, gordon, sam = people
    acme = await _workspace(
        db, _principal(olivia, DEMO_USERS[0]), "Acme Corp", [(sam, "member")], ACME, people
    )
    await workspaces.invite(
        acme,
        db,
        settings,
        workspace_schemas.InvitationCreate(email="new.hire@acme.example", role="member"),
    )
    await _workspace(
        db, _principal(gordon, DEMO_USERS[1]), "Globex", [(sam, "admin")], GLOBEX, people
    )


async def load_demo_if_empty(settings: Settings) -> bool:
    """Loads the demo unless the database has users already; True if it did."""
    conn = await asyncpg.connect(settings.runtime_url())
    await configure_connection(conn)
    try:
        async with conn.transaction():
            if await IdentityRepository(conn).has_users():
                return False
            await load_demo(conn, settings)
            return True
    finally:
        await conn.close()


def sign_in_lines() -> list[str]:
    lines = [f"Demo sign-ins (password: {DEMO_PASSWORD}):"]
    lines += [f"  {user.email:<26} {user.memberships}" for user in DEMO_USERS]
    return lines
