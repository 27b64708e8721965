"""Pages of the books' journal: the posted entries, filtered and paged like the API's
list, and an entry with its lines, its document and the entries it reverses or is
reversed by; and the books' settings with the lock date, under the workspace's settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from atlas.clock import business_day
from atlas.finance import service as finance
from atlas.ledger import schemas, service
from atlas.ledger.service import SourceType
from atlas.pagination import PageParams, pages
from atlas.validation import BusinessDate
from atlas.web import forms, lists
from atlas.web.access import workspace_page
from atlas.web.pages.settings import MONTHS
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router
from atlas.web.shell import Crumb

router = page_router()

LedgerRead = Annotated[PageContext, Depends(workspace_page("ledger:read"))]
BooksLock = Annotated[PageContext, Depends(workspace_page("books:lock"))]
SOURCES = [(s.value, s.value.replace("_", " ").capitalize()) for s in SourceType]


async def invoices_behind(
    page: PageContext, sources: Iterable[tuple[str, uuid.UUID | None]]
) -> dict[uuid.UUID, uuid.UUID]:
    """The invoice behind each posting document of `sources` (source type, id): an
    invoice itself, a payment's or a credit note's invoice; others left out."""
    pairs = [(kind, found) for kind, found in sources if found is not None]
    on_invoices = [i for kind, i in pairs if kind in (SourceType.PAYMENT, SourceType.CREDIT_NOTE)]
    behind: dict[uuid.UUID, uuid.UUID] = {i: i for kind, i in pairs if kind == SourceType.INVOICE}
    if on_invoices:
        behind.update(await finance.invoices_of_documents(page.ws, page.db, on_invoices))
    return behind


class JournalPeriod(BaseModel):
    """The journal page's dates, read as the API reads them."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    date_from: BusinessDate | None = Field(default=None, alias="from")
    date_to: BusinessDate | None = Field(default=None, alias="to")


def _journal_filters(
    page: PageContext, q: str | None, source_type: str | None, sort: str | None
) -> tuple[schemas.JournalEntryFilters, forms.FormErrors | None]:
    """The journal's filters from its address; dates that are no dates are refused (and
    the period left open)."""
    errors = None
    try:
        period = forms.parse(JournalPeriod, forms.typed_query(page.request))
    except forms.FormErrors as refused:
        period, errors = JournalPeriod(), refused
    filters = schemas.JournalEntryFilters(
        date_from=period.date_from,
        date_to=period.date_to,
        source_types=[source_type] if source_type else [],
        q=q,
        sort=sort,
    )
    return filters, errors


@router.get("/w/{workspace_ref}/journal")
async def journal(
    page: LedgerRead,
    paging: PageParams,
    q: forms.QueryText = None,
    source_type: forms.QueryText = None,
    sort: forms.QueryText = None,
) -> Response:
    filters, errors = _journal_filters(page, q, source_type, sort)
    result = await service.list_journal_entries(page.ws, page.db, filters, paging)
    return await page.render(
        "ledger/journal.html",
        status_code=errors.status if errors else 200,
        result=result,
        sources=SOURCES,
        errors=errors,
    )


JOURNAL_COLUMNS: list[lists.Column[schemas.JournalEntrySummary]] = [
    lists.Column("Date", lambda e: e.entry_date),
    lists.Column("Number", lambda e: e.number),
    lists.Column("Memo", lambda e: e.memo),
    lists.Column("Source", lambda e: labelled(e.source_type)),
    lists.Column("Currency", lambda e: e.currency),
    lists.Column("Amount", lambda e: e.total),
    lists.Column("Lines", lambda e: e.line_count),
]


@lists.csv_route(router, "/w/{workspace_ref}/journal.csv")
async def journal_csv(
    page: LedgerRead,
    q: forms.QueryText = None,
    source_type: forms.QueryText = None,
    sort: forms.QueryText = None,
) -> Response:
    filters, errors = _journal_filters(page, q, source_type, sort)
    if errors:
        raise lists.refused(errors)
    return await lists.download(
        "journal",
        JOURNAL_COLUMNS,
        pages(lambda p: service.list_journal_entries(page.ws, page.db, filters, p)),
    )


@router.get("/w/{workspace_ref}/journal/{journal_entry_id}")
async def journal_entry(page: LedgerRead, journal_entry_id: uuid.UUID) -> Response:
    return await entry_page(page, journal_entry_id)


async def entry_page(
    page: PageContext,
    journal_entry_id: uuid.UUID,
    reversal: forms.FormData | None = None,
    errors: forms.FormErrors | None = None,
) -> Response:
    """The entry's page; a manual entry not yet reversed offers its reversal's form."""
    entry = await service.get_journal_entry(page.ws, page.db, journal_entry_id)
    behind = await invoices_behind(page, [(entry.source_type, entry.source_id)])
    invoice_id = behind.get(entry.source_id) if entry.source_id is not None else None
    debit = sum((line.debit for line in entry.lines), start=service.ZERO)
    credit = sum((line.credit for line in entry.lines), start=service.ZERO)
    return await page.render(
        "ledger/entry.html",
        status_code=errors.status if errors else 200,
        crumbs=[Crumb(page._("Entry %(number)s", number=entry.number))],
        entry=entry,
        invoice_id=invoice_id,
        debit=debit,
        credit=credit,
        reversible=entry.source_type == SourceType.MANUAL and entry.reversed_by_entry_id is None,
        reversal=reversal or {"entry_date": str(business_day())},
        errors=errors,
    )


async def _books_page(
    page: PageContext, form: forms.FormData | None = None, errors: forms.FormErrors | None = None
) -> Response:
    books = await service.get_books(page.ws, page.db)
    return await page.render(
        "settings/books.html",
        status_code=errors.status if errors else 200,
        books=books,
        fiscal_year_start=MONTHS[books.fiscal_year_start_month - 1][1],
        form=form or {},
        errors=errors,
    )


@router.get("/w/{workspace_ref}/settings/books")
async def books_settings(page: LedgerRead) -> Response:
    return await _books_page(page)


@router.post("/w/{workspace_ref}/settings/books")
async def lock_books(page: BooksLock) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(schemas.LockDateUpdate, form)
        books = await forms.run(page.db, lambda: service.set_lock_date(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _books_page(page, form, errors)
    return page.redirect(
        page.url("/settings/books"),
        page._("The books are locked up to %(lock_date)s.", lock_date=books.lock_date),
    )
