"""JSON routes of custom roles. Every member may read the roles; `roles:manage` changes them.

A role is addressed by its id, or by its name (built-in roles have only a name).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from atlas.db.pool import TransactionRoute
from atlas.pagination import Page, PageParams, Search, Sort
from atlas.roles import schemas, service
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

RolesRead = Annotated[WorkspaceContext, Depends(require("roles:read"))]
RolesManage = Annotated[WorkspaceContext, Depends(require("roles:manage"))]
RoleRef = Annotated[
    str, Path(min_length=1, max_length=64, description="The role's id, or its name.")
]

router = APIRouter(prefix="/api/v1", tags=["roles"], route_class=TransactionRoute)


@router.get("/roles")
async def list_roles(
    ctx: RolesRead,
    db: Db,
    page: PageParams,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Role]:
    """The built-in roles, most privileged first, then the workspace's custom roles by
    name; q searches names and descriptions; sort by name or member_count."""
    filters = schemas.RoleFilters(q=q, sort=sort)
    return await service.list_roles(ctx, db, filters, page)


@router.post("/roles", status_code=status.HTTP_201_CREATED)
async def create_role(data: schemas.RoleCreate, ctx: RolesManage, db: Db) -> schemas.Role:
    """Create a custom role from permissions the caller holds (403 otherwise)."""
    return await service.create_role(ctx, db, data)


@router.get("/roles/{role_ref}")
async def get_role(role_ref: RoleRef, ctx: RolesRead, db: Db) -> schemas.Role:
    """One role, built-in or custom."""
    return await service.get_role(ctx, db, role_ref)


@router.patch("/roles/{role_ref}")
async def update_role(
    role_ref: RoleRef, data: schemas.RoleUpdate, ctx: RolesManage, db: Db
) -> schemas.Role:
    """Rename a custom role or change its permissions; the caller must hold the permissions
    it has and will have. Built-in roles cannot be changed (409)."""
    return await service.update_role(ctx, db, role_ref, data)


@router.delete("/roles/{role_ref}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_role(role_ref: RoleRef, ctx: RolesManage, db: Db) -> None:
    """Delete a custom role nobody holds (409 otherwise). Built-in roles cannot be deleted."""
    await service.delete_role(ctx, db, role_ref)
