"""Pages of the books' journal: the posted entries, filtered and paged like the API's
list, and an entry with its lines, its document and the entries it reverses or is
reversed by."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from atlas.finance import service as finance
from atlas.ledger import schemas, service
from atlas.ledger.service import SourceType
from atlas.pagination import PageParams
from atlas.web import forms
from atlas.web.access import workspace_page
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

LedgerRead = Annotated[PageContext, Depends(workspace_page("ledger:read"))]
SOURCES = [(s.value, s.value.replace("_", " ").capitalize()) for s in SourceType]


@router.get("/w/{workspace_ref}/journal")
async def journal(
    page: LedgerRead,
    paging: PageParams,
    q: forms.QueryText = None,
    source_type: forms.QueryText = None,
    sort: forms.QueryText = None,
) -> Response:
    filters = schemas.JournalEntryFilters(
        source_types=[source_type] if source_type else [], q=q, sort=sort
    )
    result = await service.list_journal_entries(page.ws, page.db, filters, paging)
    return await page.render("ledger/journal.html", result=result, sources=SOURCES)


@router.get("/w/{workspace_ref}/journal/{journal_entry_id}")
async def journal_entry(page: LedgerRead, journal_entry_id: uuid.UUID) -> Response:
    entry = await service.get_journal_entry(page.ws, page.db, journal_entry_id)
    invoice_id = entry.source_id if entry.source_type == SourceType.INVOICE else None
    if entry.source_id is not None and entry.source_type in (
        SourceType.PAYMENT,
        SourceType.CREDIT_NOTE,
    ):
        found = await finance.invoices_of_documents(page.ws, page.db, [entry.source_id])
        invoice_id = found.get(entry.source_id)
    debit = sum((line.debit for line in entry.lines), start=service.ZERO)
    credit = sum((line.credit for line in entry.lines), start=service.ZERO)
    return await page.render(
        "ledger/entry.html", entry=entry, invoice_id=invoice_id, debit=debit, credit=credit
    )
