"""Custom roles and the one rule of granting: nobody grants a permission they do not hold.

The rule covers creating and editing roles, changing a member's role, inviting and
removing members: the caller must hold every permission of each role involved.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from atlas.db.ids import uuid7
from atlas.errors import Conflict, Forbidden, Invalid, NotFound
from atlas.pagination import Page, PageRequest, page_of
from atlas.roles import schemas
from atlas.roles.repository import RolesRepository
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.permissions import (
    BUILTIN_ROLES,
    KNOWN_PERMISSIONS,
    ROLE_PERMISSIONS,
    permissions_of,
)
from atlas.validation import constraint_errors, search_text

MAX_CUSTOM_ROLES = 50


@dataclass(frozen=True, slots=True)
class GrantableRole:
    """A role as members and invitations hold it."""

    name: str
    custom_role_id: uuid.UUID | None
    permissions: frozenset[str]


def ensure_can_grant(ctx: WorkspaceContext, permissions: Iterable[str], what: str) -> None:
    """403 unless the caller holds every one of `permissions`."""
    missing = sorted(set(permissions) - ctx.permissions)
    if missing:
        raise Forbidden(
            f"You cannot {what}: it needs permissions your role '{ctx.role}' does not hold "
            f"({', '.join(missing)}).",
            code="permission_not_held",
            details=[{"field": "permissions", "message": f"not held: {p}"} for p in missing],
        )


def _unknown_role(name: str) -> Invalid:
    return Invalid(
        f"There is no role '{name}' in this workspace (see GET /api/v1/roles).",
        code="unknown_role",
        details=[{"field": "role", "message": f"unknown role '{name}'"}],
    )


async def resolve(db: asyncpg.Connection, workspace_id: uuid.UUID, name: str) -> GrantableRole:
    """The built-in or custom role called `name` (422 if the workspace has none)."""
    if name in BUILTIN_ROLES:
        return GrantableRole(name, None, permissions_of(name))
    row = await RolesRepository(db, workspace_id).by_name(name)
    if row is None:
        raise _unknown_role(name)
    return GrantableRole(name, row["id"], permissions_of(name, row["permissions"]))


async def held(
    db: asyncpg.Connection, workspace_id: uuid.UUID, name: str, custom_role_id: uuid.UUID | None
) -> GrantableRole:
    """The role a member or invitation holds now."""
    if custom_role_id is None:
        return GrantableRole(name, None, permissions_of(name))
    row = await RolesRepository(db, workspace_id).get(custom_role_id)
    assert row is not None, "the foreign key keeps a held custom role"
    return GrantableRole(name, custom_role_id, permissions_of(name, row["permissions"]))


def _builtin(name: str, member_count: int) -> schemas.Role:
    return schemas.Role(
        id=None,
        name=name,
        description=schemas.BUILTIN_DESCRIPTIONS[name],
        builtin=True,
        permissions=sorted(ROLE_PERMISSIONS[name]),
        member_count=member_count,
        created_at=None,
        updated_at=None,
    )


def _custom(row: asyncpg.Record, member_count: int) -> dict[str, Any]:
    return {
        **dict(row),
        "builtin": False,
        "permissions": sorted(permissions_of(row["name"], row["permissions"])),
        "member_count": member_count,
    }


def checked_permissions(permissions: list[str]) -> list[str]:
    """Sorted and without repeats; 422 `unknown_permission` for a name not in the catalogue."""
    unknown = [p for p in dict.fromkeys(permissions) if p not in KNOWN_PERMISSIONS]
    if unknown:
        raise Invalid(
            f"Unknown permission '{unknown[0]}' (see GET /api/v1/permissions).",
            code="unknown_permission",
            details=[{"field": "permissions", "message": f"unknown: {p}"} for p in unknown],
        )
    return sorted(set(permissions))


def _check_name(name: str) -> None:
    if name in BUILTIN_ROLES:
        raise Invalid(
            f"'{name}' is a built-in role; choose another name.",
            code="builtin_role",
            details=[{"field": "name", "message": "is a built-in role"}],
        )


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"This workspace already has a role named '{name}'.",
        code="role_name_taken",
        details=[{"field": "name", "message": "already taken"}],
    )


def _builtin_unchangeable(name: str, action: str) -> Conflict:
    return Conflict(f"The built-in role '{name}' cannot be {action}.", code="builtin_role")


def _role_not_found() -> NotFound:
    return NotFound("Role not found.")


def _role_id(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


async def _custom_row(repo: RolesRepository, ref: str, *, lock: bool = False) -> asyncpg.Record:
    """A custom role by id or name (404 otherwise); built-in names are handled first."""
    role_id = _role_id(ref)
    row = await (repo.get(role_id, lock=lock) if role_id else repo.by_name(ref, lock=lock))
    if row is None:
        raise _role_not_found()
    return row


async def list_roles(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.RoleFilters,
    page: PageRequest,
) -> Page[schemas.Role]:
    """Built-in roles first (most privileged first), then custom roles by name, unless sorted."""
    rows, total = await RolesRepository(db, ctx.workspace_id).list(
        q=search_text(filters.q), sort=filters.sort, page=page
    )
    items = [
        _custom(row, row["member_count"])
        if not row["builtin"]
        else _builtin(row["name"], row["member_count"]).model_dump()
        for row in rows
    ]
    return page_of(schemas.Role, items, total, page)


async def get_role(ctx: WorkspaceContext, db: asyncpg.Connection, ref: str) -> schemas.Role:
    repo = RolesRepository(db, ctx.workspace_id)
    counts = await repo.member_counts()
    if ref in BUILTIN_ROLES:
        return _builtin(ref, counts.get(ref, 0))
    row = await _custom_row(repo, ref)
    return schemas.Role.model_validate(_custom(row, counts.get(row["name"], 0)))


async def create_role(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.RoleCreate
) -> schemas.Role:
    _check_name(data.name)
    permissions = checked_permissions(data.permissions)
    ensure_can_grant(ctx, permissions, f"create the role '{data.name}'")
    repo = RolesRepository(db, ctx.workspace_id)
    if await repo.by_name(data.name) is not None:
        raise _name_taken(data.name)
    if await repo.count() >= MAX_CUSTOM_ROLES:
        raise Conflict(
            f"A workspace has at most {MAX_CUSTOM_ROLES} custom roles; delete one first.",
            code="too_many_roles",
        )
    with constraint_errors(
        {"uq_workspace_roles_workspace_id_name": lambda: _name_taken(data.name)}
    ):
        row = await repo.insert(uuid7(), data.name, data.description, permissions)
    return schemas.Role.model_validate(_custom(row, 0))


async def update_role(
    ctx: WorkspaceContext, db: asyncpg.Connection, ref: str, data: schemas.RoleUpdate
) -> schemas.Role:
    """Changes a custom role; its members hold the new permissions from their next request."""
    if ref in BUILTIN_ROLES:
        raise _builtin_unchangeable(ref, "changed")
    repo = RolesRepository(db, ctx.workspace_id)
    current = await _custom_row(repo, ref, lock=True)
    held_now = permissions_of(current["name"], current["permissions"])
    changes = data.model_dump(exclude_unset=True)
    name = changes.get("name", current["name"])
    _check_name(name)
    permissions = checked_permissions(changes.get("permissions", sorted(held_now)))
    ensure_can_grant(ctx, {*held_now, *permissions}, f"change the role '{current['name']}'")
    with constraint_errors({"uq_workspace_roles_workspace_id_name": lambda: _name_taken(name)}):
        row = await repo.update(
            current["id"], name, changes.get("description", current["description"]), permissions
        )
    counts = await repo.member_counts()
    return schemas.Role.model_validate(_custom(row, counts.get(name, 0)))


async def delete_role(ctx: WorkspaceContext, db: asyncpg.Connection, ref: str) -> None:
    """Deletes a custom role that no member holds and no pending invitation offers."""
    if ref in BUILTIN_ROLES:
        raise _builtin_unchangeable(ref, "deleted")
    repo = RolesRepository(db, ctx.workspace_id)
    current = await _custom_row(repo, ref, lock=True)
    held_now = permissions_of(current["name"], current["permissions"])
    ensure_can_grant(ctx, held_now, f"delete the role '{current['name']}'")
    members, invitations = await repo.usage(current["id"])
    if members or invitations:
        raise Conflict(
            f"The role '{current['name']}' is held by {members} member(s) and offered by "
            f"{invitations} pending invitation(s); give them another role first.",
            code="role_in_use",
        )
    await repo.delete(current["id"])
