"""JSON routes of the books: the chart of accounts, the lock date, journal entries and
manual entries, and the financial reports.

The workspace comes from the auth context, never from the URL; an id of another
workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atlas.db.pool import TransactionRoute
from atlas.ledger import schemas, service
from atlas.pagination import REPEATABLE, Page, PageParams, Search, Sort
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

AccountsManage = Annotated[WorkspaceContext, Depends(require("accounts:manage"))]
LedgerRead = Annotated[WorkspaceContext, Depends(require("ledger:read"))]
LedgerPost = Annotated[WorkspaceContext, Depends(require("ledger:post"))]
BooksLock = Annotated[WorkspaceContext, Depends(require("books:lock"))]
ReportsRead = Annotated[WorkspaceContext, Depends(require("reports:read"))]

router = APIRouter(prefix="/api/v1", tags=["ledger"], route_class=TransactionRoute)


# Accounts and the lock date

AccountTypes = Annotated[list[str] | None, Query(alias="type", description=REPEATABLE)]


@router.get("/accounts")
async def list_accounts(
    ctx: LedgerRead,
    db: Db,
    page: PageParams,
    types: AccountTypes = None,
    active: bool | None = None,
    is_group: bool | None = None,
    parent_id: uuid.UUID | None = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.Account]:
    """The chart of accounts; filter by type (asset, liability, equity, income, expense),
    active, is_group and parent_id; search code and name; sort by code (default), name,
    type or created_at."""
    filters = schemas.AccountFilters(
        types=types or [], active=active, is_group=is_group, parent_id=parent_id, q=q, sort=sort
    )
    return await service.list_accounts(ctx, db, filters, page)


@router.get("/accounts/tree")
async def get_account_tree(ctx: LedgerRead, db: Db) -> list[schemas.AccountNode]:
    """Every account of the workspace under its parent, each level in code order."""
    return await service.account_tree(ctx, db)


@router.get("/accounts/{account_id}")
async def get_account(account_id: uuid.UUID, ctx: LedgerRead, db: Db) -> schemas.Account:
    return await service.get_account(ctx, db, account_id)


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
async def create_account(
    data: schemas.AccountCreate, ctx: AccountsManage, db: Db
) -> schemas.Account:
    """Create an account; its code is unique (409), its parent a group of its type (422);
    a workspace holds at most 2,000 (409 too_many_accounts)."""
    return await service.create_account(ctx, db, data)


@router.patch("/accounts/{account_id}")
async def update_account(
    account_id: uuid.UUID, data: schemas.AccountUpdate, ctx: AccountsManage, db: Db
) -> schemas.Account:
    """Change the fields sent; null clears parent_id and currency. An account with postings
    keeps its type, currency and kind; a group with accounts under it stays a group; a
    system account stays an active ledger account (409)."""
    return await service.update_account(ctx, db, account_id, data)


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(account_id: uuid.UUID, ctx: AccountsManage, db: Db) -> None:
    """Delete an account nothing names (409 otherwise); system accounts stay."""
    await service.delete_account(ctx, db, account_id)


@router.get("/books")
async def get_books(ctx: LedgerRead, db: Db) -> schemas.Books:
    """The lock date, and the workspace's fiscal year start month and base currency."""
    return await service.get_books(ctx, db)


@router.put("/books/lock-date")
async def set_lock_date(data: schemas.LockDateUpdate, ctx: BooksLock, db: Db) -> schemas.Books:
    """Move the lock date forward (409 lock_date_backwards), to a day before today (422
    lock_date_in_future); it waits for postings in flight."""
    return await service.set_lock_date(ctx, db, data)


# Journal entries and manual entries


# Reports
