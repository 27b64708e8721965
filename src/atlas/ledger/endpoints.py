"""JSON routes of the books: the chart of accounts, the lock date, journal entries and
manual entries, and the financial reports.

The workspace comes from the auth context, never from the URL; an id of another
workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from atlas.db.pool import TransactionRoute
from atlas.ledger import reports, schemas, service
from atlas.pagination import REPEATABLE, Page, PageParams, Search, Sort
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
from atlas.validation import BusinessDate

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

EntryDateFrom = Annotated[
    BusinessDate | None, Query(alias="from", description="Entries dated on or after this day.")
]
EntryDateTo = Annotated[
    BusinessDate | None, Query(alias="to", description="Entries dated on or before this day.")
]
SourceTypes = Annotated[list[str] | None, Query(alias="source_type", description=REPEATABLE)]


@router.get("/journal-entries")
async def list_journal_entries(
    ctx: LedgerRead,
    db: Db,
    page: PageParams,
    date_from: EntryDateFrom = None,
    date_to: EntryDateTo = None,
    source_types: SourceTypes = None,
    account_id: Annotated[
        uuid.UUID | None, Query(description="Entries with a line on this account.")
    ] = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.JournalEntrySummary]:
    """Posted entries; filter by date, source type (manual, invoice, credit_note, payment,
    reversal) and account; search number and memo; sort by entry_date (default: latest
    first), number or created_at."""
    filters = schemas.JournalEntryFilters(
        date_from=date_from,
        date_to=date_to,
        source_types=source_types or [],
        account_id=account_id,
        q=q,
        sort=sort,
    )
    return await service.list_journal_entries(ctx, db, filters, page)


@router.post("/journal-entries", status_code=status.HTTP_201_CREATED)
async def post_manual_entry(
    data: schemas.ManualEntryIn, ctx: LedgerPost, db: Db
) -> schemas.JournalEntry:
    """Post a manual entry at once: dated, two lines or more, each a debit or a credit,
    balanced, on active ledger accounts (at most 500 lines)."""
    return await service.post_manual_entry(ctx, db, data)


# `journal_entry_id`, not `entry_id`: the time entries' routes name theirs so.
@router.get("/journal-entries/{journal_entry_id}")
async def get_journal_entry(
    journal_entry_id: uuid.UUID, ctx: LedgerRead, db: Db
) -> schemas.JournalEntry:
    """One entry with its lines (and their accounts), its source and its reversal."""
    return await service.get_journal_entry(ctx, db, journal_entry_id)


@router.post("/journal-entries/{journal_entry_id}/reverse", status_code=status.HTTP_201_CREATED)
async def reverse_journal_entry(
    journal_entry_id: uuid.UUID, data: schemas.ReversalIn, ctx: LedgerPost, db: Db
) -> schemas.JournalEntry:
    """Post the mirror of a manual entry (409 for a reversal, an entry reversed already,
    a document's entry, or a date in the locked period)."""
    return await service.reverse_journal_entry(ctx, db, journal_entry_id, data)


@router.post("/journal-drafts", status_code=status.HTTP_201_CREATED)
async def create_journal_draft(
    data: schemas.ManualEntryIn, ctx: LedgerPost, db: Db
) -> schemas.JournalDraft:
    """Save a manual entry to post later; it is checked in full only when posted."""
    return await service.create_journal_draft(ctx, db, data)


@router.get("/journal-drafts")
async def list_journal_drafts(
    ctx: LedgerRead, db: Db, page: PageParams, q: Search = None, sort: Sort = None
) -> Page[schemas.JournalDraftSummary]:
    """Drafts of manual entries; search the memo; sort by updated_at (default: latest
    first), entry_date or created_at."""
    filters = schemas.JournalDraftFilters(q=q, sort=sort)
    return await service.list_journal_drafts(ctx, db, filters, page)


@router.get("/journal-drafts/{draft_id}")
async def get_journal_draft(draft_id: uuid.UUID, ctx: LedgerRead, db: Db) -> schemas.JournalDraft:
    return await service.get_journal_draft(ctx, db, draft_id)


@router.patch("/journal-drafts/{draft_id}")
async def update_journal_draft(
    draft_id: uuid.UUID, data: schemas.JournalDraftUpdate, ctx: LedgerPost, db: Db
) -> schemas.JournalDraft:
    """Change the fields sent; `lines` replaces all lines."""
    return await service.update_journal_draft(ctx, db, draft_id, data)


@router.delete("/journal-drafts/{draft_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_journal_draft(draft_id: uuid.UUID, ctx: LedgerPost, db: Db) -> None:
    await service.delete_journal_draft(ctx, db, draft_id)


@router.post("/journal-drafts/{draft_id}/post", status_code=status.HTTP_201_CREATED)
async def post_journal_draft(draft_id: uuid.UUID, ctx: LedgerPost, db: Db) -> schemas.JournalEntry:
    """Post the draft as the next entry of its year; the draft is gone once posted."""
    return await service.post_journal_draft(ctx, db, draft_id)


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
