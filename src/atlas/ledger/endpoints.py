"""JSON routes of the books: the chart of accounts, the lock date, journal entries and
manual entries, and the financial reports.

The workspace comes from the auth context, never from the URL; an id of another
workspace is not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from atlas.db.pool import TransactionRoute
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import require

AccountsManage = Annotated[WorkspaceContext, Depends(require("accounts:manage"))]
LedgerRead = Annotated[WorkspaceContext, Depends(require("ledger:read"))]
LedgerPost = Annotated[WorkspaceContext, Depends(require("ledger:post"))]
BooksLock = Annotated[WorkspaceContext, Depends(require("books:lock"))]
ReportsRead = Annotated[WorkspaceContext, Depends(require("reports:read"))]

router = APIRouter(prefix="/api/v1", tags=["ledger"], route_class=TransactionRoute)


# Accounts and the lock date


# Journal entries and manual entries


# Reports
