"""JSON routes of /api/v1/api-keys: workspace API keys (a session needed, never a key)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atlas.apikeys import schemas, service
from atlas.db.pool import TransactionRoute
from atlas.pagination import Page, PageParams, Search, Sort
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

router = APIRouter(prefix="/api/v1", tags=["api-keys"], route_class=TransactionRoute)

KeysManage = Annotated[WorkspaceContext, Depends(require("api-keys:manage"))]


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    data: schemas.ApiKeyCreate, ctx: KeysManage, db: Db
) -> schemas.ApiKeyCreated:
    """A key for this workspace, with a built-in or custom `role` or a set of
    `permissions` the caller holds (403 `permission_not_held`), expiring in 1 to 365 days.
    The answer's `secret` is shown only now."""
    return await service.create_key(ctx, db, data)


@router.get("/api-keys")
async def list_api_keys(
    ctx: KeysManage,
    db: Db,
    paging: PageParams,
    key_status: Annotated[schemas.KeyStatus | None, Query(alias="status")] = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.ApiKey]:
    """The workspace's keys, newest first (never their secrets): `status=` active, expired
    or revoked; `q=` in the name; `sort=` name, created_at, expires_at, last_used_at."""
    return await service.list_keys(ctx, db, schemas.ApiKeyFilters(key_status, q, sort), paging)


@router.get("/api-keys/{key_id}")
async def get_api_key(key_id: uuid.UUID, ctx: KeysManage, db: Db) -> schemas.ApiKey:
    return await service.get_key(ctx, db, key_id)


@router.post("/api-keys/{key_id}/revoke")
async def revoke_api_key(key_id: uuid.UUID, ctx: KeysManage, db: Db) -> schemas.ApiKey:
    """The key stops working on the next request; 409 `api_key_revoked` if it already is."""
    return await service.revoke_key(ctx, db, key_id)
