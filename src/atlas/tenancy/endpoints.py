"""The permission catalogue: every `resource:action` and what the built-in roles grant."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from atlas.db.pool import TransactionRoute
from atlas.tenancy.guard import CurrentPrincipal
from atlas.tenancy.permissions import ALL_PERMISSIONS, BUILTIN_ROLES, ROLE_PERMISSIONS

router = APIRouter(prefix="/api/v1", tags=["workspaces"], route_class=TransactionRoute)


class BuiltinRole(BaseModel):
    name: str
    permissions: list[str]


class PermissionCatalogue(BaseModel):
    permissions: list[str]
    roles: list[BuiltinRole]


@router.get("/permissions")
async def permission_catalogue(_: CurrentPrincipal) -> PermissionCatalogue:
    """Every permission, and the built-in roles from the most to the least privileged."""
    return PermissionCatalogue(
        permissions=sorted(ALL_PERMISSIONS),
        roles=[BuiltinRole(name=r, permissions=sorted(ROLE_PERMISSIONS[r])) for r in BUILTIN_ROLES],
    )
