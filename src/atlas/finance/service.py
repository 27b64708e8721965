"""Customers, invoices and payments: the rules, over repositories built for the caller's
workspace.

Invoices: a draft is edited freely (its lines replaced as a whole) and its totals are
computed here with `Decimal` (see `atlas.finance.money` for the rounding rule). Issuing
gives it the next number of the workspace's yearly counter (`INV-<year>-<n:04d>`), taken
in the request transaction: a rollback gives the number back, so numbers have neither gaps
nor duplicates. Issued invoices are not edited; they are paid (payments never exceed the
balance: the invoice row is locked while a payment is checked and written) or voided
(only while nothing was paid; a void invoice keeps its number).

An invoice from time bills a project's uninvoiced hours, which the timesheets module
takes, marks as invoiced and releases again when the invoice is deleted or voided.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg

from atlas.errors import AtlasError, Conflict, NotFound
from atlas.finance import schemas
from atlas.finance.money import AmountTooLarge, invoice_totals, line_amounts
from atlas.finance.repository import (
    OPEN_INVOICE_STATUS,
    CustomersRepository,
    InvoicesRepository,
)
from atlas.finance.tables import INVOICE_STATUSES
from atlas.numbering.repository import NumberSequences
from atlas.pagination import Page, PageRequest, page_of
from atlas.tenancy.context import WorkspaceContext
from atlas.timesheets import schemas as timesheets_schemas
from atlas.timesheets import service as timesheets
from atlas.validation import (
    choices,
    constraint_errors,
    date_out_of_range,
    invalid,
    search_text,
)

INVOICE_STATUS_FILTERS = (*INVOICE_STATUSES, "overdue")


def today() -> date:
    """The business day, in UTC (issue dates, due dates, overdue)."""
    return datetime.now(UTC).date()


def is_overdue(
    *, status: str, due_date: date | None, total: Decimal, amount_paid: Decimal, today: date
) -> bool:
    """Issued, not fully paid, and due before `today` (due today is not overdue yet).
    `repository.overdue_sql` is the same rule for queries."""
    return (
        status == OPEN_INVOICE_STATUS
        and due_date is not None
        and due_date < today
        and amount_paid < total
    )


class InvoiceAction(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    ISSUE = "issue"
    VOID = "void"
    RECORD_PAYMENT = "record_payment"


# What each status allows; voiding also needs nothing paid (see `allowed_actions`).
STATUS_ACTIONS: dict[str, frozenset[InvoiceAction]] = {
    "draft": frozenset({InvoiceAction.EDIT, InvoiceAction.DELETE, InvoiceAction.ISSUE}),
    OPEN_INVOICE_STATUS: frozenset({InvoiceAction.VOID, InvoiceAction.RECORD_PAYMENT}),
    "paid": frozenset(),
    "void": frozenset(),
}


def allowed_actions(*, status: str, amount_paid: Decimal) -> frozenset[InvoiceAction]:
    """What may be done to an invoice now; the service's checks and the pages both ask."""
    actions = STATUS_ACTIONS[status]
    if amount_paid > 0:
        return actions - {InvoiceAction.VOID}
    return actions


# Constraint name (see tables.py and the naming convention) -> the API error it means.
CONSTRAINT_ERRORS: dict[str, Callable[[], AtlasError]] = {
    "uq_customers_workspace_id_name": lambda: Conflict(
        "Another customer in this workspace already has this name.",
        code="customer_name_taken",
        details=[{"field": "name", "message": "already taken in this workspace"}],
    ),
    "fk_invoices_workspace_id_customer_id_customers": lambda: invalid(
        "There is no such customer in this workspace.",
        "customer_id",
        "not a customer of this workspace",
        code="customer_not_found",
    ),
    "ck_invoices_dates": lambda: invalid(
        "The due date is before the issue date.", "due_date", "must be on or after issue_date"
    ),
    # Issuing computes the due date (issue date + payment terms) when none is set.
    "ck_invoices_due_date_range": lambda: date_out_of_range(
        "due_date", "The due date would be outside the range of dates the business takes."
    ),
    "ck_invoices_settled_within_total": lambda: invalid(
        "The payment is larger than the invoice's balance.",
        "amount",
        "exceeds the balance",
        code="overpayment",
    ),
}


# Customers


async def create_customer(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.CustomerCreate
) -> schemas.Customer:
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await CustomersRepository(db, ctx.workspace_id).create(**data.model_dump())
    return schemas.Customer.model_validate(dict(row))


async def list_customers(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.CustomerFilters,
    page: PageRequest,
) -> Page[schemas.Customer]:
    rows, total = await CustomersRepository(db, ctx.workspace_id).list(
        q=search_text(filters.q), sort=filters.sort, page=page
    )
    return page_of(schemas.Customer, [dict(r) for r in rows], total, page)


async def get_customer(
    ctx: WorkspaceContext, db: asyncpg.Connection, customer_id: uuid.UUID
) -> schemas.Customer:
    row = await CustomersRepository(db, ctx.workspace_id).get(customer_id)
    if row is None:
        raise NotFound("Customer not found.")
    return schemas.Customer.model_validate(dict(row))


async def update_customer(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    customer_id: uuid.UUID,
    data: schemas.CustomerUpdate,
) -> schemas.Customer:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_customer(ctx, db, customer_id)
    with constraint_errors(CONSTRAINT_ERRORS):
        row = await CustomersRepository(db, ctx.workspace_id).update(customer_id, changes)
    if row is None:
        raise NotFound("Customer not found.")
    return schemas.Customer.model_validate(dict(row))


def _customer_has_invoices() -> Conflict:
    return Conflict(
        "The customer has invoices and cannot be deleted.", code="customer_has_invoices"
    )


async def delete_customer(
    ctx: WorkspaceContext, db: asyncpg.Connection, customer_id: uuid.UUID
) -> None:
    repo = CustomersRepository(db, ctx.workspace_id)
    if await repo.get(customer_id) is None:
        raise NotFound("Customer not found.")
    if await repo.has_invoices(customer_id):
        raise _customer_has_invoices()
    try:
        await repo.delete(customer_id)
    except asyncpg.ForeignKeyViolationError as exc:  # an invoice committed in between
        raise _customer_has_invoices() from exc


# Invoices


def _priced_lines(lines: Sequence[schemas.InvoiceLineIn]) -> list[dict[str, Any]]:
    """The lines with their amounts, computed by the rule of `atlas.finance.money`."""
    priced = []
    for index, line in enumerate(lines):
        try:
            amounts = line_amounts(line.quantity, line.unit_price, line.tax_rate)
        except AmountTooLarge:
            raise invalid(
                "A line's amount is too large.", f"lines.{index}", "amount too large"
            ) from None
        priced.append(
            {
                **line.model_dump(),
                "subtotal": amounts.subtotal,
                "tax": amounts.tax,
                "total": amounts.total,
            }
        )
    return priced


def _totals(priced: Sequence[dict[str, Any]]) -> dict[str, Decimal]:
    try:
        totals = invoice_totals(
            line_amounts(line["quantity"], line["unit_price"], line["tax_rate"]) for line in priced
        )
    except AmountTooLarge:
        raise invalid("The invoice's total is too large.", "lines", "total too large") from None
    return {"subtotal": totals.subtotal, "tax_total": totals.tax_total, "total": totals.total}


def _invoice_values(row: asyncpg.Record, on: date) -> dict[str, Any]:
    overdue = is_overdue(
        status=row["status"],
        due_date=row["due_date"],
        total=row["total"],
        amount_paid=row["amount_paid"],
        today=on,
    )
    return {**dict(row), "balance": row["total"] - row["amount_paid"], "overdue": overdue}


async def _invoice(repo: InvoicesRepository, row: asyncpg.Record) -> schemas.Invoice:
    lines = await repo.lines(row["id"])
    payments = await repo.payments(row["id"])
    return schemas.Invoice.model_validate(
        {
            **_invoice_values(row, today()),
            "lines": [dict(r) for r in lines],
            "payments": [dict(r) for r in payments],
        }
    )


async def _reload(repo: InvoicesRepository, invoice_id: uuid.UUID) -> schemas.Invoice:
    row = await repo.get(invoice_id)
    assert row is not None
    return await _invoice(repo, row)


async def _locked_invoice(repo: InvoicesRepository, invoice_id: uuid.UUID) -> asyncpg.Record:
    row = await repo.get(invoice_id, for_update=True)
    if row is None:
        raise NotFound("Invoice not found.")
    return row


# Why an action is refused, by action: each keeps the error code its endpoint documents.
REFUSALS: dict[InvoiceAction, tuple[str, str]] = {
    InvoiceAction.EDIT: ("only drafts can be changed.", "invoice_not_editable"),
    InvoiceAction.DELETE: ("only drafts can be changed.", "invoice_not_editable"),
    InvoiceAction.ISSUE: ("only drafts can be issued.", "invoice_not_draft"),
    InvoiceAction.VOID: ("only issued, unpaid invoices can be voided.", "invoice_not_voidable"),
    InvoiceAction.RECORD_PAYMENT: ("payments go to issued invoices.", "invoice_not_payable"),
}


def _require(row: asyncpg.Record, action: InvoiceAction) -> None:
    """Refuses `action` unless the invoice's state allows it (`allowed_actions`)."""
    if action in allowed_actions(status=row["status"], amount_paid=row["amount_paid"]):
        return
    if action in allowed_actions(status=row["status"], amount_paid=Decimal(0)):
        # The status allows it; only the payments stand in the way.
        raise Conflict(
            "Payments were recorded on this invoice; it cannot be voided.",
            code="invoice_has_payments",
        )
    reason, code = REFUSALS[action]
    raise Conflict(f"The invoice is {row['status']}; {reason}", code=code)


async def _customer_or_invalid(
    ctx: WorkspaceContext, db: asyncpg.Connection, customer_id: uuid.UUID
) -> asyncpg.Record:
    customer = await CustomersRepository(db, ctx.workspace_id).get(customer_id)
    if customer is None:
        raise CONSTRAINT_ERRORS["fk_invoices_workspace_id_customer_id_customers"]()
    return customer


async def _create_draft(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    *,
    customer_id: uuid.UUID,
    currency: str | None,
    issue_date: date | None,
    due_date: date | None,
    notes: str,
    priced: list[dict[str, Any]],
) -> uuid.UUID:
    customer = await _customer_or_invalid(ctx, db, customer_id)
    repo = InvoicesRepository(db, ctx.workspace_id)
    with constraint_errors(CONSTRAINT_ERRORS):
        invoice_id = await repo.create(
            customer_id=customer_id,
            currency=currency or customer["currency"],
            issue_date=issue_date,
            due_date=due_date,
            notes=notes,
            **_totals(priced),
        )
    await repo.replace_lines(invoice_id, priced)
    return invoice_id


async def create_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.InvoiceCreate
) -> schemas.Invoice:
    """A draft invoice; its currency is the customer's unless given."""
    invoice_id = await _create_draft(
        ctx,
        db,
        customer_id=data.customer_id,
        currency=data.currency,
        issue_date=data.issue_date,
        due_date=data.due_date,
        notes=data.notes,
        priced=_priced_lines(data.lines),
    )
    return await _reload(InvoicesRepository(db, ctx.workspace_id), invoice_id)


async def list_invoices(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.InvoiceFilters,
    page: PageRequest,
) -> Page[schemas.InvoiceSummary]:
    chosen = choices(filters.statuses, INVOICE_STATUS_FILTERS, "status")
    on = today()
    rows, total = await InvoicesRepository(db, ctx.workspace_id).list(
        statuses=[s for s in chosen if s != "overdue"],
        overdue="overdue" in chosen,
        today=on,
        customer_id=filters.customer_id,
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.InvoiceSummary, [_invoice_values(r, on) for r in rows], total, page)


async def receivables(
    ctx: WorkspaceContext, db: asyncpg.Connection, on: date
) -> list[schemas.Receivable]:
    """Per currency, what issued invoices still await and how much of it is overdue."""
    rows = await InvoicesRepository(db, ctx.workspace_id).receivables(on)
    return [schemas.Receivable.model_validate(dict(r)) for r in rows]


async def receivables_aging(
    ctx: WorkspaceContext, db: asyncpg.Connection, *, as_of: date | None, currency: str | None
) -> schemas.ReceivablesAging:
    """Per customer, what issued invoices were owed on `as_of` (today by default), by
    days past due; in one currency, the workspace's base currency unless named."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    on = as_of or today()
    code = currency or await repo.base_currency()
    customers = [
        schemas.CustomerAging.model_validate(dict(r))
        for r in await repo.receivables_aging(code, on)
    ]
    totals = schemas.AgingBuckets(
        **{
            bucket: sum((getattr(c, bucket) for c in customers), Decimal("0.00"))
            for bucket in schemas.AgingBuckets.model_fields
        }
    )
    return schemas.ReceivablesAging(currency=code, as_of=on, customers=customers, totals=totals)


async def latest_invoices(
    ctx: WorkspaceContext, db: asyncpg.Connection, limit: int, on: date
) -> list[schemas.RecentInvoice]:
    """The `limit` invoices changed last, drafts included."""
    rows = await InvoicesRepository(db, ctx.workspace_id).latest(limit)
    return [schemas.RecentInvoice.model_validate(_invoice_values(r, on)) for r in rows]


async def revenue_by_month(
    ctx: WorkspaceContext, db: asyncpg.Connection, since: date, currency: str
) -> dict[date, Decimal]:
    """Invoiced revenue in `currency` per first day of month, from `since` (months with
    none are absent)."""
    rows = await InvoicesRepository(db, ctx.workspace_id).revenue_by_month(since, currency)
    return {r["month"]: r["amount"] for r in rows}


async def get_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> schemas.Invoice:
    repo = InvoicesRepository(db, ctx.workspace_id)
    row = await repo.get(invoice_id)
    if row is None:
        raise NotFound("Invoice not found.")
    return await _invoice(repo, row)


async def update_invoice(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.InvoiceUpdate,
) -> schemas.Invoice:
    """Changes a draft; sent `lines` replace all its lines and the totals follow."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    _require(await _locked_invoice(repo, invoice_id), InvoiceAction.EDIT)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"lines"})
    if "customer_id" in changes:
        await _customer_or_invalid(ctx, db, changes["customer_id"])
    if data.lines is not None:
        priced = _priced_lines(data.lines)
        changes.update(_totals(priced))
        await repo.replace_lines(invoice_id, priced)
    if changes:
        with constraint_errors(CONSTRAINT_ERRORS):
            await repo.update(invoice_id, changes)
    return await _reload(repo, invoice_id)


async def delete_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> None:
    """Deletes a draft; time entries billed on it are free to be invoiced again."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    _require(await _locked_invoice(repo, invoice_id), InvoiceAction.DELETE)
    await timesheets.release_invoice(ctx, db, invoice_id)
    await repo.delete(invoice_id)


async def issue_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> schemas.Invoice:
    """Numbers a draft with at least one line and dates it (today, and the customer's
    payment terms, unless set)."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    row = await _locked_invoice(repo, invoice_id)
    _require(row, InvoiceAction.ISSUE)
    if await repo.count_lines(invoice_id) == 0:
        raise invalid(
            "An invoice needs at least one line to be issued.",
            "lines",
            "at least one line is required",
            code="invoice_empty",
        )
    issue_date: date = row["issue_date"] or today()
    due_date: date | None = row["due_date"]
    if due_date is None:
        customer = await CustomersRepository(db, ctx.workspace_id).get(row["customer_id"])
        assert customer is not None  # a foreign key holds the customer
        due_date = issue_date + timedelta(days=customer["payment_terms_days"])
    year = issue_date.year
    # Taken in this transaction, under the counter row's lock: a rollback gives it back.
    n = await NumberSequences(db, ctx.workspace_id).next(f"invoice-{year}")
    with constraint_errors(CONSTRAINT_ERRORS):
        await repo.issue(
            invoice_id, number=f"INV-{year}-{n:04d}", issue_date=issue_date, due_date=due_date
        )
    return await _reload(repo, invoice_id)


async def void_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> schemas.Invoice:
    """Voids an issued invoice nothing was paid on; it keeps its number."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    _require(await _locked_invoice(repo, invoice_id), InvoiceAction.VOID)
    await repo.void(invoice_id)
    await timesheets.release_invoice(ctx, db, invoice_id)
    return await _reload(repo, invoice_id)


# Payments


async def record_payment(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.PaymentCreate,
) -> schemas.Payment:
    """Records a payment of at most the balance; a zero balance makes the invoice paid."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    # The row lock makes concurrent payments check the balance one after the other.
    row = await _locked_invoice(repo, invoice_id)
    _require(row, InvoiceAction.RECORD_PAYMENT)
    balance: Decimal = row["total"] - row["amount_paid"]
    if data.amount > balance:
        raise invalid(
            f"The payment exceeds the balance of {balance}.",
            "amount",
            f"at most {balance}",
            code="overpayment",
        )
    payment = await repo.add_payment(
        invoice_id,
        amount=data.amount,
        paid_on=data.paid_on or today(),
        method=data.method,
        reference=data.reference,
    )
    with constraint_errors(CONSTRAINT_ERRORS):
        await repo.add_paid(invoice_id, data.amount)
    return schemas.Payment.model_validate(dict(payment))


async def list_payments(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> list[schemas.Payment]:
    repo = InvoicesRepository(db, ctx.workspace_id)
    if await repo.get(invoice_id) is None:
        raise NotFound("Invoice not found.")
    return [schemas.Payment.model_validate(dict(r)) for r in await repo.payments(invoice_id)]


# Invoices from time


Entry = timesheets_schemas.UninvoicedEntry


def _group_key(entry: Entry, group_by: str) -> tuple[Any, ...]:
    if group_by == "task":
        number = entry.task_number
        return (number is None, number or 0, entry.hourly_rate)
    return (entry.last_name, entry.first_name, entry.employee_id, entry.hourly_rate)


def _group_description(entry: Entry, group_by: str, period: str) -> str:
    if group_by == "task":
        if entry.task_number is None:
            what = f"{entry.project_code}: work outside tasks"
        else:
            what = f"{entry.project_code}-{entry.task_number} {entry.task_title}"
    else:
        what = f"{entry.project_code}: {entry.first_name} {entry.last_name}"
    return f"{what} ({period})"


async def invoice_from_time(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.InvoiceFromTime
) -> schemas.Invoice:
    """A draft whose lines are the project's billable, uninvoiced hours in the range,
    grouped by task or employee and by rate; the entries are marked as invoiced."""
    if data.date_to < data.date_from:
        raise invalid("The range ends before it starts.", "to", "must be on or after 'from'")
    entries = await timesheets.take_uninvoiced(
        ctx, db, data.project_id, data.date_from, data.date_to
    )
    await _customer_or_invalid(ctx, db, data.customer_id)
    if not entries:
        raise invalid(
            "There are no billable, uninvoiced hours on this project in the range.",
            "project_id",
            "no billable, uninvoiced hours in the range",
            code="no_billable_time",
        )
    unpriced = [e for e in entries if e.hourly_rate is None]
    if unpriced:
        raise invalid(
            f"{len(unpriced)} billable entries in the range have no hourly rate.",
            "project_id",
            "billable entries without an hourly rate",
            code="missing_hourly_rate",
        )
    period = f"{data.date_from.isoformat()} to {data.date_to.isoformat()}"
    groups: dict[tuple[Any, ...], list[Entry]] = {}
    for entry in entries:
        groups.setdefault(_group_key(entry, data.group_by), []).append(entry)
    lines = [
        schemas.InvoiceLineIn(
            description=_group_description(group[0], data.group_by, period),
            quantity=sum((e.hours for e in group), Decimal(0)),
            unit_price=group[0].hourly_rate,
            tax_rate=data.tax_rate,
        )
        for _, group in sorted(groups.items(), key=lambda item: item[0])
    ]
    invoice_id = await _create_draft(
        ctx,
        db,
        customer_id=data.customer_id,
        currency=None,
        issue_date=None,
        due_date=None,
        notes="",
        priced=_priced_lines(lines),
    )
    await timesheets.mark_invoiced(ctx, db, [e.id for e in entries], invoice_id)
    return await _reload(InvoicesRepository(db, ctx.workspace_id), invoice_id)
