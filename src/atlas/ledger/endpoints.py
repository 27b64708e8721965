"""JSON routes of the books: the chart of accounts, the lock date, journal entries and
manual entries, and the financial reports.

The workspace comes from the auth context, never from the URL; an id of another
workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from atlas.db.pool import TransactionRoute
from atlas.ledger import reports, schemas
from atlas.pagination import PageParams
from atlas.reporting import (
    CSV_RESPONSE,
    AsOf,
    DateFrom,
    DateTo,
    Format,
    ReportCurrency,
    ReportFormat,
    answer,
)
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

AccountsManage = Annotated[WorkspaceContext, Depends(require("accounts:manage"))]
LedgerRead = Annotated[WorkspaceContext, Depends(require("ledger:read"))]
LedgerPost = Annotated[WorkspaceContext, Depends(require("ledger:post"))]
BooksLock = Annotated[WorkspaceContext, Depends(require("books:lock"))]
ReportsRead = Annotated[WorkspaceContext, Depends(require("reports:read"))]

router = APIRouter(prefix="/api/v1", tags=["ledger"], route_class=TransactionRoute)


# Accounts and the lock date


# Journal entries and manual entries


# Reports


@router.get("/reports/trial-balance", response_model=schemas.TrialBalance, responses=CSV_RESPONSE)
async def trial_balance(
    ctx: ReportsRead,
    db: Db,
    as_of: AsOf = None,
    currency: ReportCurrency = None,
    output: Format = ReportFormat.JSON,
) -> schemas.TrialBalance | Response:
    """Per account with postings up to as_of: opening (before the fiscal year of as_of),
    the year's movement to as_of, and closing, as debit and credit columns."""
    return answer(await reports.trial_balance(ctx, db, as_of=as_of, currency=currency), output)


@router.get(
    "/reports/profit-and-loss", response_model=schemas.ProfitAndLoss, responses=CSV_RESPONSE
)
async def profit_and_loss(
    ctx: ReportsRead,
    db: Db,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    compare: schemas.Comparison = schemas.Comparison.PREVIOUS_PERIOD,
    currency: ReportCurrency = None,
    output: Format = ReportFormat.JSON,
) -> schemas.ProfitAndLoss | Response:
    """Income and expense accounts by top-level group for from..to (the fiscal year to
    date by default), beside the previous period of the same length; net profit."""
    report = await reports.profit_and_loss(
        ctx, db, date_from=date_from, date_to=date_to, compare=compare, currency=currency
    )
    return answer(report, output)


@router.get("/reports/balance-sheet", response_model=schemas.BalanceSheet, responses=CSV_RESPONSE)
async def balance_sheet(
    ctx: ReportsRead,
    db: Db,
    as_of: AsOf = None,
    currency: ReportCurrency = None,
    output: Format = ReportFormat.JSON,
) -> schemas.BalanceSheet | Response:
    """Assets, liabilities and equity at as_of by parent group, with retained and
    current-year earnings computed; assets = liabilities + equity."""
    return answer(await reports.balance_sheet(ctx, db, as_of=as_of, currency=currency), output)


@router.get("/reports/general-ledger", response_model=schemas.GeneralLedger, responses=CSV_RESPONSE)
async def general_ledger(
    ctx: ReportsRead,
    db: Db,
    page: PageParams,
    account_id: Annotated[uuid.UUID, Query(description="The account; 404 if not found.")],
    date_from: DateFrom = None,
    date_to: DateTo = None,
    currency: ReportCurrency = None,
    output: Format = ReportFormat.JSON,
) -> schemas.GeneralLedger | Response:
    """The account's lines from..to in date and number order with the running balance,
    paged (limit, offset), between the opening and the closing balance."""
    filters = schemas.GeneralLedgerFilters(
        account_id=account_id, date_from=date_from, date_to=date_to, currency=currency
    )
    return answer(await reports.general_ledger(ctx, db, filters, page), output)
