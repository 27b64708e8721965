"""JSON routes of the finance module: customers, invoices, credit notes and payments.

The workspace comes from the auth context (workspace token, X-Workspace-Id, or the
session's active workspace), never from the URL; an id of another workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, status
from fastapi.responses import Response

from atlas.db.pool import TransactionRoute
from atlas.finance import schemas, service
from atlas.pagination import Page, PageParams, Search, Sort, Statuses
from atlas.reporting import CSV_RESPONSE, AsOf, Format, ReportCurrency, ReportFormat, answer
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

CustomersRead = Annotated[WorkspaceContext, Depends(require("customers:read"))]
CustomersManage = Annotated[WorkspaceContext, Depends(require("customers:manage"))]
InvoicesRead = Annotated[WorkspaceContext, Depends(require("invoices:read"))]
InvoicesWrite = Annotated[WorkspaceContext, Depends(require("invoices:write"))]
InvoicesIssue = Annotated[WorkspaceContext, Depends(require("invoices:issue"))]
InvoicesVoid = Annotated[WorkspaceContext, Depends(require("invoices:void"))]
PaymentsRecord = Annotated[WorkspaceContext, Depends(require("payments:record"))]
ReportsRead = Annotated[WorkspaceContext, Depends(require("reports:read"))]

router = APIRouter(prefix="/api/v1", tags=["finance"], route_class=TransactionRoute)


# Customers


@router.post("/customers", status_code=status.HTTP_201_CREATED)
async def create_customer(
    data: schemas.CustomerCreate, ctx: CustomersManage, db: Db
) -> schemas.Customer:
    """Create a customer; its name is unique in the workspace (409 otherwise)."""
    return await service.create_customer(ctx, db, data)


@router.get("/customers")
async def list_customers(
    ctx: CustomersRead, db: Db, page: PageParams, q: Search = None, sort: Sort = None
) -> Page[schemas.Customer]:
    """The workspace's customers; search name and email; sort by name or created_at."""
    return await service.list_customers(ctx, db, schemas.CustomerFilters(q=q, sort=sort), page)


@router.get("/customers/{customer_id}")
async def get_customer(customer_id: uuid.UUID, ctx: CustomersRead, db: Db) -> schemas.Customer:
    return await service.get_customer(ctx, db, customer_id)


@router.patch("/customers/{customer_id}")
async def update_customer(
    customer_id: uuid.UUID, data: schemas.CustomerUpdate, ctx: CustomersManage, db: Db
) -> schemas.Customer:
    """Change the fields sent; null clears email and tax_id."""
    return await service.update_customer(ctx, db, customer_id, data)


@router.delete("/customers/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_customer(customer_id: uuid.UUID, ctx: CustomersManage, db: Db) -> None:
    """Delete a customer without invoices (409 otherwise)."""
    await service.delete_customer(ctx, db, customer_id)


# Invoices


@router.post("/invoices", status_code=status.HTTP_201_CREATED)
async def create_invoice(
    data: schemas.InvoiceCreate, ctx: InvoicesWrite, db: Db
) -> schemas.Invoice:
    """Create a draft invoice; the server computes every amount."""
    return await service.create_invoice(ctx, db, data)


@router.post("/invoices/from-time", status_code=status.HTTP_201_CREATED)
async def create_invoice_from_time(
    data: schemas.InvoiceFromTime, ctx: InvoicesWrite, db: Db
) -> schemas.Invoice:
    """Create a draft from a project's billable, uninvoiced hours in a date range, one line
    per task (or employee) and rate; those entries are then invoiced."""
    return await service.invoice_from_time(ctx, db, data)


@router.get("/invoices")
async def list_invoices(
    ctx: InvoicesRead,
    db: Db,
    page: PageParams,
    statuses: Statuses = None,
    customer_id: uuid.UUID | None = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.InvoiceSummary]:
    """The workspace's invoices; filter by status (draft, issued, paid, void or overdue);
    search number and customer name; sort by number, status, issue_date, due_date, total,
    customer or created_at (default: newest first)."""
    filters = schemas.InvoiceFilters(
        statuses=statuses or [], customer_id=customer_id, q=q, sort=sort
    )
    return await service.list_invoices(ctx, db, filters, page)


@router.get("/invoices/{invoice_id}")
async def get_invoice(invoice_id: uuid.UUID, ctx: InvoicesRead, db: Db) -> schemas.Invoice:
    """One invoice with its lines, payments, balance and whether it is overdue."""
    return await service.get_invoice(ctx, db, invoice_id)


@router.patch("/invoices/{invoice_id}")
async def update_invoice(
    invoice_id: uuid.UUID, data: schemas.InvoiceUpdate, ctx: InvoicesWrite, db: Db
) -> schemas.Invoice:
    """Change a draft (409 invoice_not_editable otherwise); `lines` replaces all lines."""
    return await service.update_invoice(ctx, db, invoice_id, data)


@router.delete("/invoices/{invoice_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_invoice(invoice_id: uuid.UUID, ctx: InvoicesWrite, db: Db) -> None:
    """Delete a draft (409 invoice_not_editable otherwise)."""
    await service.delete_invoice(ctx, db, invoice_id)


@router.post("/invoices/{invoice_id}/issue")
async def issue_invoice(invoice_id: uuid.UUID, ctx: InvoicesIssue, db: Db) -> schemas.Invoice:
    """Issue a draft with at least one line: it gets the next INV-<year>-<n> number."""
    return await service.issue_invoice(ctx, db, invoice_id)


@router.post("/invoices/{invoice_id}/void")
async def void_invoice(invoice_id: uuid.UUID, ctx: InvoicesVoid, db: Db) -> schemas.Invoice:
    """Void an issued invoice nothing was paid on with a credit note of all its lines; it
    keeps its number."""
    return await service.void_invoice(ctx, db, invoice_id)


# Credit notes


@router.post("/invoices/{invoice_id}/credit-notes", status_code=status.HTTP_201_CREATED)
async def create_credit_note(
    invoice_id: uuid.UUID, data: schemas.CreditNoteCreate, ctx: InvoicesVoid, db: Db
) -> schemas.CreditNote:
    """Credit part or all of an issued invoice's balance (422 credit_exceeds_balance past
    it); the next CN-<year>-<n> number; posted on its issue date."""
    return await service.create_credit_note(ctx, db, invoice_id, data)


@router.get("/credit-notes")
async def list_credit_notes(
    ctx: InvoicesRead,
    db: Db,
    page: PageParams,
    invoice_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    q: Search = None,
    sort: Sort = None,
) -> Page[schemas.CreditNoteSummary]:
    """The workspace's credit notes; filter by invoice or customer; search the number; sort
    by number, issue_date, total or created_at (default: newest first)."""
    filters = schemas.CreditNoteFilters(
        invoice_id=invoice_id, customer_id=customer_id, q=q, sort=sort
    )
    return await service.list_credit_notes(ctx, db, filters, page)


@router.get("/credit-notes/{credit_note_id}")
async def get_credit_note(
    credit_note_id: uuid.UUID, ctx: InvoicesRead, db: Db
) -> schemas.CreditNote:
    """One credit note with its lines, each with the income account it was posted to."""
    return await service.get_credit_note(ctx, db, credit_note_id)


# Payments


@router.post("/invoices/{invoice_id}/payments", status_code=status.HTTP_201_CREATED)
async def record_payment(
    invoice_id: uuid.UUID, data: schemas.PaymentCreate, ctx: PaymentsRecord, db: Db
) -> schemas.Payment:
    """Record a payment on an issued invoice, at most its balance (422 overpayment);
    posted on `paid_on`."""
    return await service.record_payment(ctx, db, invoice_id, data)


@router.get("/invoices/{invoice_id}/payments")
async def list_payments(invoice_id: uuid.UUID, ctx: InvoicesRead, db: Db) -> list[schemas.Payment]:
    """The invoice's payments, oldest first, reversed ones included."""
    return await service.list_payments(ctx, db, invoice_id)


@router.post("/invoices/{invoice_id}/payments/{payment_id}/reverse")
async def reverse_payment(
    invoice_id: uuid.UUID,
    payment_id: uuid.UUID,
    ctx: PaymentsRecord,
    db: Db,
    data: Annotated[schemas.PaymentReversal | None, Body()] = None,
) -> schemas.Payment:
    """Reverse a payment (409 payment_already_reversed): the invoice awaits it again and
    its entry is reversed on `reversed_on` (today if omitted)."""
    return await service.reverse_payment(
        ctx, db, invoice_id, payment_id, data or schemas.PaymentReversal()
    )


# Reports


@router.get(
    "/reports/receivables-aging", response_model=schemas.ReceivablesAging, responses=CSV_RESPONSE
)
async def receivables_aging(
    ctx: ReportsRead,
    db: Db,
    as_of: AsOf = None,
    currency: ReportCurrency = None,
    output: Format = ReportFormat.JSON,
) -> schemas.ReceivablesAging | Response:
    """Per customer, the balance of issued invoices at as_of by days past due: current,
    1-30, 31-60, 61-90, over 90; totals per bucket."""
    return answer(await service.receivables_aging(ctx, db, as_of=as_of, currency=currency), output)
