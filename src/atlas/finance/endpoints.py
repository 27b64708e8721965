"""JSON routes of the finance module: customers, invoices, payments and time entries.

The workspace comes from the auth context (workspace token, X-Workspace-Id, or the
session's active workspace), never from the URL; an id of another workspace is not found.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from atlas.db.pool import TransactionRoute
from atlas.finance import schemas, service
from atlas.pagination import Page, PageParams, Search, Sort, Statuses
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require
from atlas.validation import BusinessDate

CustomersRead = Annotated[WorkspaceContext, Depends(require("customers:read"))]
CustomersManage = Annotated[WorkspaceContext, Depends(require("customers:manage"))]
InvoicesRead = Annotated[WorkspaceContext, Depends(require("invoices:read"))]
InvoicesWrite = Annotated[WorkspaceContext, Depends(require("invoices:write"))]
InvoicesIssue = Annotated[WorkspaceContext, Depends(require("invoices:issue"))]
InvoicesVoid = Annotated[WorkspaceContext, Depends(require("invoices:void"))]
PaymentsRecord = Annotated[WorkspaceContext, Depends(require("payments:record"))]
TimeRead = Annotated[WorkspaceContext, Depends(require("time:read"))]
# One's own entries; the service also lets `time:manage` holders write anyone's.
TimeWrite = Annotated[WorkspaceContext, Depends(require("time:write"))]

router = APIRouter(prefix="/api/v1", tags=["finance"], route_class=TransactionRoute)

DateFrom = Annotated[BusinessDate | None, Query(alias="from", description="On or after this date.")]
DateTo = Annotated[BusinessDate | None, Query(alias="to", description="On or before this date.")]


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
    """Void an issued invoice nothing was paid on; it keeps its number."""
    return await service.void_invoice(ctx, db, invoice_id)


# Payments


@router.post("/invoices/{invoice_id}/payments", status_code=status.HTTP_201_CREATED)
async def record_payment(
    invoice_id: uuid.UUID, data: schemas.PaymentCreate, ctx: PaymentsRecord, db: Db
) -> schemas.Payment:
    """Record a payment on an issued invoice, at most its balance (422 overpayment)."""
    return await service.record_payment(ctx, db, invoice_id, data)


@router.get("/invoices/{invoice_id}/payments")
async def list_payments(invoice_id: uuid.UUID, ctx: InvoicesRead, db: Db) -> list[schemas.Payment]:
    """The invoice's payments, oldest first."""
    return await service.list_payments(ctx, db, invoice_id)


# Time entries


@router.post("/time-entries", status_code=status.HTTP_201_CREATED)
async def create_time_entry(
    data: schemas.TimeEntryCreate, ctx: TimeWrite, db: Db
) -> schemas.TimeEntry:
    """Record time: one's own (the default), or anyone's with time:manage."""
    return await service.create_time_entry(ctx, db, data)


@router.get("/time-entries")
async def list_time_entries(
    ctx: TimeRead,
    db: Db,
    page: PageParams,
    employee_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    billable: bool | None = None,
    invoiced: bool | None = None,
    sort: Sort = None,
) -> Page[schemas.TimeEntry]:
    """Time entries; sort by entry_date (default: latest first), hours or created_at."""
    filters = schemas.TimeEntryFilters(
        employee_id=employee_id,
        project_id=project_id,
        date_from=date_from,
        date_to=date_to,
        billable=billable,
        invoiced=invoiced,
        sort=sort,
    )
    return await service.list_time_entries(ctx, db, filters, page)


@router.get("/time-entries/{entry_id}")
async def get_time_entry(entry_id: uuid.UUID, ctx: TimeRead, db: Db) -> schemas.TimeEntry:
    return await service.get_time_entry(ctx, db, entry_id)


@router.patch("/time-entries/{entry_id}")
async def update_time_entry(
    entry_id: uuid.UUID, data: schemas.TimeEntryUpdate, ctx: TimeWrite, db: Db
) -> schemas.TimeEntry:
    """Change an entry not yet invoiced (409 time_entry_invoiced otherwise)."""
    return await service.update_time_entry(ctx, db, entry_id, data)


@router.delete("/time-entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_time_entry(entry_id: uuid.UUID, ctx: TimeWrite, db: Db) -> None:
    """Delete an entry not yet invoiced (409 time_entry_invoiced otherwise)."""
    await service.delete_time_entry(ctx, db, entry_id)
