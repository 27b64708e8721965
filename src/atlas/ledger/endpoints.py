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
from atlas.validation import BusinessDate

AccountsManage = Annotated[WorkspaceContext, Depends(require("accounts:manage"))]
LedgerRead = Annotated[WorkspaceContext, Depends(require("ledger:read"))]
LedgerPost = Annotated[WorkspaceContext, Depends(require("ledger:post"))]
BooksLock = Annotated[WorkspaceContext, Depends(require("books:lock"))]
ReportsRead = Annotated[WorkspaceContext, Depends(require("reports:read"))]

router = APIRouter(prefix="/api/v1", tags=["ledger"], route_class=TransactionRoute)


# Accounts and the lock date


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


@router.get("/journal-entries/{entry_id}")
async def get_journal_entry(entry_id: uuid.UUID, ctx: LedgerRead, db: Db) -> schemas.JournalEntry:
    """One entry with its lines (and their accounts), its source and its reversal."""
    return await service.get_journal_entry(ctx, db, entry_id)


@router.post("/journal-entries/{entry_id}/reverse", status_code=status.HTTP_201_CREATED)
async def reverse_journal_entry(
    entry_id: uuid.UUID, data: schemas.ReversalIn, ctx: LedgerPost, db: Db
) -> schemas.JournalEntry:
    """Post the mirror of a manual entry (409 for a reversal, an entry reversed already,
    a document's entry, or a date in the locked period)."""
    return await service.reverse_journal_entry(ctx, db, entry_id, data)


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
