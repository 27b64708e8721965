"""Workspace API keys: made by owners and admins, never able to do more than their creator.

A key's rights are fixed when it is made: a built-in role, a custom role (as that role is
at each request) or an explicit permission set, each within what its maker holds (the
grant rule of `roles`). At each request the guard gives it only those its creator still
holds then (`tenancy.guard`); a key whose creator left, or that expired or was revoked,
answers 401. Keys act only in their workspace's data: every account route, and the
management of keys, needs a session.
"""

from __future__ import annotations

import uuid

import asyncpg

from atlas.apikeys import schemas
from atlas.apikeys.repository import ApiKeysRepository
from atlas.credentials import API_KEY_PREFIX, new_api_key
from atlas.db.ids import uuid7
from atlas.errors import Conflict, Forbidden, Invalid, NotFound
from atlas.pagination import Page, PageRequest
from atlas.roles import service as roles
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.permissions import BUILTIN_ROLES, permissions_of
from atlas.validation import search_text


def _not_by_a_key(ctx: WorkspaceContext) -> None:
    if ctx.api_key_id is not None:
        raise Forbidden(
            "An API key cannot manage API keys; use a session.", code="session_required"
        )


def prefix_of(workspace_id: uuid.UUID, key_id: uuid.UUID) -> str:
    return f"{API_KEY_PREFIX}{workspace_id.hex}{key_id.hex}"


def _key(ctx: WorkspaceContext, row: asyncpg.Record) -> schemas.ApiKey:
    role = row["role"] or row["custom_role_name"]
    listed = permissions_of(row["role"]) if row["role"] else frozenset(row["listed_permissions"])
    return schemas.ApiKey.model_validate(
        {
            **dict(row),
            "role": role,
            "permissions": sorted(listed),
            "prefix": prefix_of(ctx.workspace_id, row["id"]),
        }
    )


def _grant_required() -> Invalid:
    message = "Give the key either a role or a set of permissions (one of the two)."
    return Invalid(
        message,
        code="grant_required",
        details=[
            {"field": "role", "message": message},
            {"field": "permissions", "message": message},
        ],
    )


async def create_key(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.ApiKeyCreate
) -> schemas.ApiKeyCreated:
    """A new key; its secret is in the answer only. 403 `permission_not_held` for a role or
    a permission the caller does not hold."""
    _not_by_a_key(ctx)
    if (data.role is None) == (data.permissions is None):
        raise _grant_required()
    role: str | None = None
    custom_role_id: uuid.UUID | None = None
    permissions: list[str] | None = None
    if data.role is not None:
        granted = await roles.resolve(db, ctx.workspace_id, data.role)
        roles.ensure_can_grant(
            ctx, granted.permissions, f"make a key with the role '{granted.name}'"
        )
        role = granted.name if granted.name in BUILTIN_ROLES else None
        custom_role_id = granted.custom_role_id
    else:
        assert data.permissions is not None
        permissions = roles.checked_permissions(data.permissions)
        if not permissions:
            raise _grant_required()
        roles.ensure_can_grant(ctx, permissions, "make a key with these permissions")
    key_id = uuid7()
    secret, secret_hash = new_api_key(ctx.workspace_id, key_id)
    repo = ApiKeysRepository(db, ctx.workspace_id)
    await repo.create(
        key_id,
        name=data.name,
        created_by=ctx.user_id,
        role=role,
        custom_role_id=custom_role_id,
        permissions=permissions,
        token_hash=secret_hash,
        days=data.expires_in_days,
    )
    row = await repo.get(key_id)
    assert row is not None, "written in this transaction"
    return schemas.ApiKeyCreated(**_key(ctx, row).model_dump(), secret=secret)


async def list_keys(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.ApiKeyFilters,
    page: PageRequest,
) -> Page[schemas.ApiKey]:
    _not_by_a_key(ctx)
    rows, total = await ApiKeysRepository(db, ctx.workspace_id).list(
        status=filters.status, q=search_text(filters.q), sort=filters.sort, page=page
    )
    return Page(
        items=[_key(ctx, r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


async def get_key(
    ctx: WorkspaceContext, db: asyncpg.Connection, key_id: uuid.UUID
) -> schemas.ApiKey:
    _not_by_a_key(ctx)
    row = await ApiKeysRepository(db, ctx.workspace_id).get(key_id)
    if row is None:
        raise NotFound("API key not found.")
    return _key(ctx, row)


async def revoke_key(
    ctx: WorkspaceContext, db: asyncpg.Connection, key_id: uuid.UUID
) -> schemas.ApiKey:
    """The key stops working on the next request. The caller must hold every permission the
    key has (the grant rule), as for a member's role."""
    key = await get_key(ctx, db, key_id)
    roles.ensure_can_grant(ctx, key.permissions, f"revoke the key '{key.name}'")
    if not await ApiKeysRepository(db, ctx.workspace_id).revoke(key_id):
        raise Conflict("This key is already revoked.", code="api_key_revoked")
    return await get_key(ctx, db, key_id)
