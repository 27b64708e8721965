"""Bench data, written fast: binary COPY as a superuser (COPY cannot run under RLS).

A dataset has `probes`, tenants of one fixed shape that the load is aimed at, so that the
same requests do the same work whatever the rest of the database holds, and `background`
tenants that share the remaining tasks with a Zipf-like skew (tenant i gets a share
proportional to 1/i).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from atlas.db.ids import uuid7

PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hzYWx0$not-a-real-hash-bench-only"
TASKS_PER_BACKGROUND_PROJECT = 200


@dataclass
class Tenant:
    workspace_id: uuid.UUID
    slug: str
    token: str | None
    project_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Dataset:
    probes: list[Tenant]
    workspaces: int
    tasks: int


def zipf_shares(count: int, total: int) -> list[int]:
    """`total` split over `count` tenants in proportion to 1/i, each getting at least one."""
    if count == 0:
        return []
    weights = [1 / i for i in range(1, count + 1)]
    scale = (total - count) / sum(weights)
    shares = [1 + int(w * scale) for w in weights]
    shares[0] += total - sum(shares)
    return shares


class _Rows:
    def __init__(self) -> None:
        self.users: list[tuple[object, ...]] = []
        self.sessions: list[tuple[object, ...]] = []
        self.workspaces: list[tuple[object, ...]] = []
        self.members: list[tuple[object, ...]] = []
        self.projects: list[tuple[object, ...]] = []
        self.tasks: list[tuple[object, ...]] = []


def _tenant(rows: _Rows, index: int, projects: list[int], with_token: bool) -> Tenant:
    now = datetime.now(UTC)
    ws_id, user_id = uuid7(), uuid7()
    slug = f"bench-{index}"
    rows.users.append((user_id, f"owner-{index}@bench.example", f"Owner {index}", PASSWORD_HASH))
    rows.workspaces.append((ws_id, f"Bench {index}", slug))
    rows.members.append((ws_id, uuid7(), user_id, "owner"))
    token = None
    if with_token:
        token = f"bench-token-{index}-{uuid.uuid4().hex}"
        rows.sessions.append(
            (
                uuid7(),
                user_id,
                hashlib.sha256(token.encode()).digest(),
                now + timedelta(days=1),
                now,
            )
        )
    tenant = Tenant(ws_id, slug, token)
    for p, task_count in enumerate(projects):
        project_id = uuid7()
        tenant.project_ids.append(project_id)
        rows.projects.append(
            (ws_id, project_id, f"P{p + 1}", f"Project {p + 1}", "active", "USD", task_count)
        )
        statuses = ("todo", "in_progress", "done")
        for n in range(1, task_count + 1):
            rows.tasks.append(
                (ws_id, uuid7(), project_id, n, f"Task {n}", statuses[n % 3], "medium")
            )
    return tenant


async def _copy(conn: asyncpg.Connection, rows: _Rows) -> None:
    # Bulk-loaded rows are not changes anyone made: the audit trigger stays quiet (as do
    # the foreign-key triggers; the rows are generated consistent).
    await conn.execute("SET LOCAL session_replication_role = replica")
    await conn.copy_records_to_table(
        "users", records=rows.users, columns=["id", "email", "name", "password_hash"]
    )
    await conn.copy_records_to_table(
        "workspaces", records=rows.workspaces, columns=["id", "name", "slug"]
    )
    await conn.copy_records_to_table(
        "sessions",
        records=rows.sessions,
        columns=["id", "user_id", "token_hash", "expires_at", "last_seen_at"],
    )
    await conn.copy_records_to_table(
        "workspace_members", records=rows.members, columns=["workspace_id", "id", "user_id", "role"]
    )
    await conn.copy_records_to_table(
        "projects",
        records=rows.projects,
        columns=["workspace_id", "id", "code", "name", "status", "currency", "last_task_number"],
    )
    await conn.copy_records_to_table(
        "tasks",
        records=rows.tasks,
        columns=["workspace_id", "id", "project_id", "number", "title", "status", "priority"],
    )


async def generate(
    superuser_db_url: str,
    *,
    workspaces: int,
    tasks: int,
    probes: int,
    probe_projects: int,
    probe_tasks_per_project: int,
    seed: int = 7,
) -> Dataset:
    random.seed(seed)
    rows = _Rows()
    probe_tenants = [
        _tenant(rows, i, [probe_tasks_per_project] * probe_projects, with_token=True)
        for i in range(probes)
    ]
    remaining = tasks - probes * probe_projects * probe_tasks_per_project
    for offset, share in enumerate(zipf_shares(workspaces - probes, remaining)):
        sizes = [TASKS_PER_BACKGROUND_PROJECT] * (share // TASKS_PER_BACKGROUND_PROJECT)
        if share % TASKS_PER_BACKGROUND_PROJECT:
            sizes.append(share % TASKS_PER_BACKGROUND_PROJECT)
        _tenant(rows, probes + offset, sizes, with_token=False)
    conn = await asyncpg.connect(superuser_db_url)
    try:
        async with conn.transaction():
            await _copy(conn, rows)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return Dataset(probes=probe_tenants, workspaces=workspaces, tasks=len(rows.tasks))
