"""Customers, invoices, credit notes and payments: the rules, over repositories built for
the caller's workspace.

Invoices: a draft is edited freely (its lines replaced as a whole) and its totals are
computed here with `Decimal` (see `atlas.finance.money` for the rounding rule). Issuing
gives it the next number of the workspace's yearly counter (`INV-<year>-<n:04d>`), taken
in the request transaction: a rollback gives the number back, so numbers have neither gaps
nor duplicates. Issued invoices are not edited; they are paid (payments never exceed the
balance: the invoice row is locked while a payment is checked and written) or voided
(only while nothing was paid; a void invoice keeps its number).

Every money document posts its journal entry through `atlas.ledger.service.post` in the
same transaction as the document's change, so a refusal of the books (a closed period:
409 `period_locked`) rolls the document back: an issued invoice debits receivables and
credits income per account and tax; a credit note posts the mirror of what it credits
(voiding is a credit note of the whole invoice); a payment debits the bank and credits
receivables, and its reversal posts the mirror of that entry.

An issued, paid or void invoice has a document, its PDF (which the web app renders from
the print view); an issued or paid one is emailed with it through the outbox, in the
request's transaction, and each send is kept (`invoice_sends`, audited).

An invoice from time bills a project's uninvoiced hours, which the timesheets module
takes, marks as invoiced and releases again when the invoice is deleted or voided.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg

from atlas.clock import business_day
from atlas.db.textsearch import prefix_query
from atlas.errors import AtlasError, Conflict, Invalid, NotFound
from atlas.finance import schemas
from atlas.finance.money import AmountTooLarge, invoice_totals, line_amounts
from atlas.finance.repository import (
    OPEN_INVOICE_STATUS,
    CreditNotesRepository,
    CustomersRepository,
    InvoiceListFilters,
    InvoicesRepository,
)
from atlas.finance.tables import INVOICE_STATUSES
from atlas.ledger import service as ledger
from atlas.ledger.service import AccountType, SourceType, SystemRole
from atlas.mail.repository import Attachment, OutboxRepository
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
    refuse_excess_decimals,
    search_text,
)

INVOICE_STATUS_FILTERS = (*INVOICE_STATUSES, "overdue")
ZERO = Decimal("0.00")
# The events documents post (one entry per document and event, `ledger.posted_entry`).
ISSUED = "issued"
RECEIVED = "received"


def balance(*, total: Decimal, amount_paid: Decimal, amount_credited: Decimal) -> Decimal:
    """What an invoice still awaits; `repository.BALANCE` is the same rule in SQL."""
    return total - amount_paid - amount_credited


def is_overdue(
    *,
    status: str,
    due_date: date | None,
    total: Decimal,
    amount_paid: Decimal,
    amount_credited: Decimal,
    today: date,
) -> bool:
    """Issued, not settled (paid or credited), and due before `today` (due today is not
    overdue yet). `repository.overdue_sql` is the same rule for queries."""
    return (
        status == OPEN_INVOICE_STATUS
        and due_date is not None
        and due_date < today
        and balance(total=total, amount_paid=amount_paid, amount_credited=amount_credited) > 0
    )


class InvoiceAction(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    ISSUE = "issue"
    VOID = "void"
    RECORD_PAYMENT = "record_payment"
    CREDIT = "credit"
    DOCUMENT = "document"  # the PDF
    SEND = "send"  # by email, with the PDF


# What each status allows; voiding also needs nothing paid (see `allowed_actions`), and a
# credit note at most the balance (`create_credit_note`).
STATUS_ACTIONS: dict[str, frozenset[InvoiceAction]] = {
    "draft": frozenset({InvoiceAction.EDIT, InvoiceAction.DELETE, InvoiceAction.ISSUE}),
    OPEN_INVOICE_STATUS: frozenset(
        {
            InvoiceAction.VOID,
            InvoiceAction.RECORD_PAYMENT,
            InvoiceAction.CREDIT,
            InvoiceAction.DOCUMENT,
            InvoiceAction.SEND,
        }
    ),
    "paid": frozenset({InvoiceAction.CREDIT, InvoiceAction.DOCUMENT, InvoiceAction.SEND}),
    # A void invoice's PDF says VOID; it is not sent any more.
    "void": frozenset({InvoiceAction.DOCUMENT}),
}


def allowed_actions(
    *, status: str, amount_paid: Decimal, amount_credited: Decimal = Decimal(0)
) -> frozenset[InvoiceAction]:
    """What may be done to an invoice now; the service's checks and the pages both ask.
    Voiding credits every line in full, so nothing may be paid or credited yet."""
    actions = STATUS_ACTIONS[status]
    if amount_paid > 0 or amount_credited > 0:
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


async def _check_income_accounts(
    db: asyncpg.Connection, workspace_id: uuid.UUID, named: dict[str, uuid.UUID | None]
) -> None:
    """Each account named (field path -> id) is an active, non-group income account of the
    workspace (422 `invalid_income_account` with the field paths otherwise)."""
    chosen = {path: account for path, account in named.items() if account is not None}
    if not chosen:
        return
    usable = await ledger.postable_accounts(
        db, workspace_id, list(set(chosen.values())), AccountType.INCOME
    )
    wrong = [path for path, account in chosen.items() if account not in usable]
    if wrong:
        raise Invalid(
            "An income account must be an active income account (not a group) of this workspace.",
            code="invalid_income_account",
            details=[
                {"field": path, "message": "not an active income account of this workspace"}
                for path in wrong
            ],
        )


def _line_accounts(lines: Sequence[schemas.InvoiceLineIn]) -> dict[str, uuid.UUID | None]:
    return {f"lines.{i}.income_account_id": line.income_account_id for i, line in enumerate(lines)}


# Customers


async def create_customer(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.CustomerCreate
) -> schemas.Customer:
    await _check_income_accounts(
        db, ctx.workspace_id, {"income_account_id": data.income_account_id}
    )
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


async def search_customers(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[schemas.Customer]:
    """At most `limit` customers for the global search: a word of the name or the e-mail
    starts with each word typed, name matches first (atlas.db.textsearch)."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await CustomersRepository(db, ctx.workspace_id).search(query=query, limit=limit)
    return [schemas.Customer.model_validate(dict(row)) for row in rows]


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
    if "income_account_id" in changes:
        await _check_income_accounts(
            db, ctx.workspace_id, {"income_account_id": changes["income_account_id"]}
        )
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


def _priced_lines(lines: Sequence[schemas.InvoiceLineIn], currency: str) -> list[dict[str, Any]]:
    """The lines with their amounts in `currency`, computed by the rule of
    `atlas.finance.money`; a unit price finer than the currency's minor unit is refused."""
    priced = []
    for index, line in enumerate(lines):
        refuse_excess_decimals(line.unit_price, currency, f"lines.{index}.unit_price")
        try:
            amounts = line_amounts(line.quantity, line.unit_price, line.tax_rate, currency)
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


def _totals(priced: Sequence[Mapping[str, Any]], currency: str) -> dict[str, Decimal]:
    try:
        totals = invoice_totals(
            line_amounts(line["quantity"], line["unit_price"], line["tax_rate"], currency)
            for line in priced
        )
    except AmountTooLarge:
        raise invalid("The invoice's total is too large.", "lines", "total too large") from None
    return {"subtotal": totals.subtotal, "tax_total": totals.tax_total, "total": totals.total}


def _balance(row: asyncpg.Record) -> Decimal:
    return balance(
        total=row["total"], amount_paid=row["amount_paid"], amount_credited=row["amount_credited"]
    )


def _invoice_values(row: asyncpg.Record, on: date) -> dict[str, Any]:
    overdue = is_overdue(
        status=row["status"],
        due_date=row["due_date"],
        total=row["total"],
        amount_paid=row["amount_paid"],
        amount_credited=row["amount_credited"],
        today=on,
    )
    return {**dict(row), "balance": _balance(row), "overdue": overdue}


def _invoice_of(
    row: asyncpg.Record, lines: Sequence[asyncpg.Record], payments: Sequence[asyncpg.Record]
) -> schemas.Invoice:
    return schemas.Invoice.model_validate(
        {
            **_invoice_values(row, business_day()),
            "lines": [dict(r) for r in lines],
            "payments": [dict(r) for r in payments],
        }
    )


async def _invoice(repo: InvoicesRepository, row: asyncpg.Record) -> schemas.Invoice:
    return _invoice_of(row, await repo.lines(row["id"]), await repo.payments(row["id"]))


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
    InvoiceAction.CREDIT: ("only issued or paid invoices are credited.", "invoice_not_creditable"),
    InvoiceAction.DOCUMENT: (
        "a draft has no document yet: issue it first.",
        "invoice_not_issued",
    ),
    InvoiceAction.SEND: ("only issued or paid invoices are sent.", "invoice_not_sendable"),
}


def _require(row: asyncpg.Record, action: InvoiceAction) -> None:
    """Refuses `action` unless the invoice's state allows it (`allowed_actions`)."""
    if action in allowed_actions(
        status=row["status"],
        amount_paid=row["amount_paid"],
        amount_credited=row["amount_credited"],
    ):
        return
    if action in allowed_actions(status=row["status"], amount_paid=Decimal(0)):
        # The status allows it; only the payments or credit notes stand in the way.
        if row["amount_paid"] > 0:
            raise Conflict(
                "Payments were recorded on this invoice; it cannot be voided.",
                code="invoice_has_payments",
            )
        raise Conflict(
            "Credit notes were issued on this invoice; credit the rest with a credit note.",
            code="invoice_partly_credited",
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
    lines: Sequence[schemas.InvoiceLineIn],
) -> uuid.UUID:
    customer = await _customer_or_invalid(ctx, db, customer_id)
    repo = InvoicesRepository(db, ctx.workspace_id)
    in_currency: str = currency or customer["currency"]
    priced = _priced_lines(lines, in_currency)
    with constraint_errors(CONSTRAINT_ERRORS):
        invoice_id = await repo.create(
            customer_id=customer_id,
            currency=in_currency,
            issue_date=issue_date,
            due_date=due_date,
            notes=notes,
            **_totals(priced, in_currency),
        )
    await repo.replace_lines(invoice_id, priced)
    return invoice_id


async def create_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, data: schemas.InvoiceCreate
) -> schemas.Invoice:
    """A draft invoice; its currency is the customer's unless given."""
    await _check_income_accounts(db, ctx.workspace_id, _line_accounts(data.lines))
    invoice_id = await _create_draft(
        ctx,
        db,
        customer_id=data.customer_id,
        currency=data.currency,
        issue_date=data.issue_date,
        due_date=data.due_date,
        notes=data.notes,
        lines=data.lines,
    )
    return await _reload(InvoicesRepository(db, ctx.workspace_id), invoice_id)


async def list_invoices(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.InvoiceFilters,
    page: PageRequest,
) -> Page[schemas.InvoiceSummary]:
    matching = _invoice_list_filters(filters)
    rows, total = await InvoicesRepository(db, ctx.workspace_id).list(
        **asdict(matching), sort=filters.sort, page=page
    )
    on = matching.today
    return page_of(schemas.InvoiceSummary, [_invoice_values(r, on) for r in rows], total, page)


async def search_invoices(
    ctx: WorkspaceContext, db: asyncpg.Connection, text: str, limit: int
) -> list[schemas.InvoiceSummary]:
    """At most `limit` invoices for the global search: by number, or by the customer's
    name or e-mail; number matches first, then the latest."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await InvoicesRepository(db, ctx.workspace_id).search(query=query, limit=limit)
    on = business_day()
    return [schemas.InvoiceSummary.model_validate(_invoice_values(row, on)) for row in rows]


def _invoice_list_filters(filters: schemas.InvoiceFilters) -> InvoiceListFilters:
    chosen = choices(filters.statuses, INVOICE_STATUS_FILTERS, "status")
    return InvoiceListFilters(
        statuses=[s for s in chosen if s != "overdue"],
        overdue="overdue" in chosen,
        today=business_day(),
        customer_id=filters.customer_id,
        q=search_text(filters.q),
    )


async def totals_of_invoices(
    ctx: WorkspaceContext, db: asyncpg.Connection, filters: schemas.InvoiceFilters
) -> list[schemas.CurrencyTotals]:
    """Per currency, the count, total and balance of the invoices the list's filters match
    (every page of them); currencies are never added together."""
    rows = await InvoicesRepository(db, ctx.workspace_id).totals(_invoice_list_filters(filters))
    return [schemas.CurrencyTotals.model_validate(dict(r)) for r in rows]


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
    on = as_of or business_day()
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
    ctx: WorkspaceContext, db: asyncpg.Connection, since: date
) -> dict[str, dict[date, Decimal]]:
    """Revenue net of credit notes per currency and first day of month, from `since`
    (currencies and months with none are absent). Currencies are never added together."""
    by_currency: dict[str, dict[date, Decimal]] = {}
    for r in await InvoicesRepository(db, ctx.workspace_id).revenue_by_month(since):
        by_currency.setdefault(r["currency"], {})[r["month"]] = r["amount"]
    return by_currency


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
    row = await _locked_invoice(repo, invoice_id)
    _require(row, InvoiceAction.EDIT)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"lines"})
    if "customer_id" in changes:
        await _customer_or_invalid(ctx, db, changes["customer_id"])
    currency: str = changes.get("currency", row["currency"])
    if data.lines is not None:
        await _check_income_accounts(db, ctx.workspace_id, _line_accounts(data.lines))
        priced = _priced_lines(data.lines, currency)
        changes.update(_totals(priced, currency))
        await repo.replace_lines(invoice_id, priced)
    elif "currency" in changes:
        # The kept lines are priced again in the new currency (their unit prices must fit it).
        fields = schemas.InvoiceLineIn.model_fields
        kept = [
            schemas.InvoiceLineIn(**{name: r[name] for name in fields})
            for r in await repo.lines(invoice_id)
        ]
        changes.update(_totals(_priced_lines(kept, currency), currency))
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


# Postings


@dataclass(frozen=True, slots=True)
class _SaleAccounts:
    """Where a sale posts: the customer owes receivables, the tax is payable, and a line
    without an account of its own goes to the default income account."""

    receivables: uuid.UUID
    tax_payable: uuid.UUID
    default_income: uuid.UUID


@dataclass(frozen=True, slots=True)
class _Sale:
    """An invoice (the customer owes) or a credit note (the customer owes less) as the
    books see it; every line names its income account."""

    source_type: SourceType
    source_id: uuid.UUID
    memo: str
    on: date
    currency: str
    customer_id: uuid.UUID
    lines: Sequence[Mapping[str, Any]]
    tax_total: Decimal
    total: Decimal
    credits_customer: bool
    accounts: _SaleAccounts


def _entry_line(
    account_id: uuid.UUID, amount: Decimal, *, debit: bool, customer_id: uuid.UUID | None = None
) -> ledger.PostingLine:
    return ledger.PostingLine(
        account_id=account_id,
        debit=amount if debit else ZERO,
        credit=ZERO if debit else amount,
        customer_id=customer_id,
    )


async def _system_accounts(
    db: asyncpg.Connection, workspace_id: uuid.UUID, roles: Sequence[SystemRole]
) -> dict[SystemRole, uuid.UUID]:
    found = await ledger.system_accounts(db, workspace_id, roles)
    if len(found) < len(roles):
        raise Conflict("The workspace has no books to post to.", code="no_books")
    return found


async def _sale_accounts(
    db: asyncpg.Connection, workspace_id: uuid.UUID, customer: asyncpg.Record
) -> _SaleAccounts:
    """The accounts of a sale to `customer`, in one query: its default income account is
    the customer's, else the system sales account."""
    found = await _system_accounts(
        db,
        workspace_id,
        (SystemRole.RECEIVABLES, SystemRole.TAX_PAYABLE, SystemRole.SALES_INCOME),
    )
    return _SaleAccounts(
        receivables=found[SystemRole.RECEIVABLES],
        tax_payable=found[SystemRole.TAX_PAYABLE],
        default_income=customer["income_account_id"] or found[SystemRole.SALES_INCOME],
    )


def _with_accounts(lines: Sequence[Mapping[str, Any]], default: uuid.UUID) -> list[dict[str, Any]]:
    return [{**line, "income_account_id": line["income_account_id"] or default} for line in lines]


def _sale_posting(sale: _Sale) -> ledger.Posting | None:
    """Receivables against income per account and tax; None for a sale of nothing (the
    books take no entry of 0.00, and a tax of 0.00 takes no line)."""
    if sale.total == 0:
        return None
    income: dict[uuid.UUID, Decimal] = {}
    for line in sale.lines:
        account = line["income_account_id"]
        income[account] = income.get(account, ZERO) + line["subtotal"]
    owed = not sale.credits_customer
    lines = [
        _entry_line(
            sale.accounts.receivables, sale.total, debit=owed, customer_id=sale.customer_id
        ),
        *(_entry_line(account, amount, debit=not owed) for account, amount in income.items()),
        _entry_line(sale.accounts.tax_payable, sale.tax_total, debit=not owed),
    ]
    return ledger.Posting(
        entry_date=sale.on,
        currency=sale.currency,
        memo=sale.memo,
        source_type=sale.source_type,
        source_id=sale.source_id,
        source_event=ISSUED,
        lines=lines,
    )


async def _post_sale(
    db: asyncpg.Connection, workspace_id: uuid.UUID, sale: _Sale
) -> asyncpg.Record | None:
    posting = _sale_posting(sale)
    return None if posting is None else await ledger.post(db, workspace_id, posting)


def _invoice_sale(
    invoice: asyncpg.Record,
    lines: Sequence[asyncpg.Record],
    accounts: _SaleAccounts,
) -> _Sale:
    """The issue of `invoice` with its lines, on its issue date, as the books see it."""
    return _Sale(
        source_type=SourceType.INVOICE,
        source_id=invoice["id"],
        memo=f"Invoice {invoice['number']}",
        on=invoice["issue_date"],
        currency=invoice["currency"],
        customer_id=invoice["customer_id"],
        lines=_with_accounts([dict(r) for r in lines], accounts.default_income),
        tax_total=invoice["tax_total"],
        total=invoice["total"],
        credits_customer=False,
        accounts=accounts,
    )


def _dated_from(on: date, earliest: date, field: str, message: str) -> None:
    """Refuses a document's date `on` before the `earliest` its document allows (422)."""
    if on < earliest:
        raise invalid(message, field, f"must be on or after {earliest}")


async def _customer_of(
    db: asyncpg.Connection, workspace_id: uuid.UUID, invoice: asyncpg.Record
) -> asyncpg.Record:
    customer = await CustomersRepository(db, workspace_id).get(invoice["customer_id"])
    assert customer is not None  # a foreign key holds the customer
    return customer


async def _post_invoice(
    db: asyncpg.Connection, workspace_id: uuid.UUID, invoice: asyncpg.Record
) -> asyncpg.Record | None:
    """The issue's entry, on the issue date; lines without an account post to the default."""
    customer = await _customer_of(db, workspace_id, invoice)
    lines = await InvoicesRepository(db, workspace_id).lines(invoice["id"])
    accounts = await _sale_accounts(db, workspace_id, customer)
    return await _post_sale(db, workspace_id, _invoice_sale(invoice, lines, accounts))


async def _post_payment(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    payment: asyncpg.Record,
    *,
    currency: str,
    customer_id: uuid.UUID,
    invoice_number: str,
) -> asyncpg.Record:
    """The bank against receivables (the invoice's customer), on the day it was paid."""
    accounts = await _system_accounts(db, workspace_id, (SystemRole.BANK, SystemRole.RECEIVABLES))
    amount: Decimal = payment["amount"]
    return await ledger.post(
        db,
        workspace_id,
        ledger.Posting(
            entry_date=payment["paid_on"],
            currency=currency,
            memo=f"Payment on {invoice_number}",
            source_type=SourceType.PAYMENT,
            source_id=payment["id"],
            source_event=RECEIVED,
            lines=[
                _entry_line(accounts[SystemRole.BANK], amount, debit=True),
                _entry_line(
                    accounts[SystemRole.RECEIVABLES],
                    amount,
                    debit=False,
                    customer_id=customer_id,
                ),
            ],
        ),
    )


async def issue_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> schemas.Invoice:
    """Numbers a draft with at least one line, dates it (today, and the customer's payment
    terms, unless set) and posts it on its issue date."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    row = await _locked_invoice(repo, invoice_id)
    _require(row, InvoiceAction.ISSUE)
    lines = await repo.lines(invoice_id)
    if not lines:
        raise invalid(
            "An invoice needs at least one line to be issued.",
            "lines",
            "at least one line is required",
            code="invoice_empty",
        )
    customer = await _customer_of(db, ctx.workspace_id, row)
    issue_date: date = row["issue_date"] or business_day()
    due_date: date = row["due_date"] or issue_date + timedelta(days=customer["payment_terms_days"])
    accounts = await _sale_accounts(db, ctx.workspace_id, customer)
    year = issue_date.year
    # Taken in this transaction, under the counter row's lock: a rollback gives it back.
    n = await NumberSequences(db, ctx.workspace_id).next(f"invoice-{year}")
    with constraint_errors(CONSTRAINT_ERRORS):
        issued = await repo.issue(
            invoice_id, number=f"INV-{year}-{n:04d}", issue_date=issue_date, due_date=due_date
        )
    await _post_sale(db, ctx.workspace_id, _invoice_sale(issued, lines, accounts))
    # A draft has no payments.
    return _invoice_of(issued, lines, payments=())


async def void_invoice(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> schemas.Invoice:
    """Voids an issued invoice nothing was paid on with a credit note of all its lines
    (reason "Void", dated today or on the issue date if that is later); it keeps its
    number. An invoice of nothing is voided without one (nothing was posted)."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    invoice = await _locked_invoice(repo, invoice_id)
    _require(invoice, InvoiceAction.VOID)
    if invoice["total"] == 0:
        await repo.add_credited(invoice_id, ZERO, "void")
    else:
        lines = [dict(line) for line in await repo.lines(invoice_id)]
        on = max(business_day(), invoice["issue_date"])
        await _credit(db, ctx.workspace_id, invoice, reason="Void", issue_date=on, priced=lines)
    await timesheets.release_invoice(ctx, db, invoice_id)
    return await _reload(repo, invoice_id)


# Documents: the PDF of an invoice, and sending it by email


@dataclass(frozen=True)
class InvoiceDocument:
    """What an invoice's PDF shows besides the seller (the workspace): the invoice and its
    customer."""

    invoice: schemas.Invoice
    customer: schemas.Customer

    @property
    def filename(self) -> str:
        return f"{self.invoice.number}.pdf"


PdfOf = Callable[[InvoiceDocument], Awaitable[bytes]]
PDF = "application/pdf"
SENDS_SHOWN = 20


async def _document(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    repo: InvoicesRepository,
    row: asyncpg.Record,
    action: InvoiceAction,
) -> InvoiceDocument:
    _require(row, action)
    invoice = await _invoice(repo, row)
    return InvoiceDocument(invoice, await get_customer(ctx, db, invoice.customer_id))


async def invoice_document(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> InvoiceDocument:
    """An issued, paid or void invoice with its customer, for its PDF. A draft has none
    (409 `invoice_not_issued`): its number and dates are given when it is issued."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    row = await repo.get(invoice_id)
    if row is None:
        raise NotFound("Invoice not found.")
    return await _document(ctx, db, repo, row, InvoiceAction.DOCUMENT)


@dataclass(frozen=True)
class InvoiceEmailDefaults:
    to: str | None  # the customer's address, if it has one
    subject: str
    message: str


def email_defaults(ctx: WorkspaceContext, document: InvoiceDocument) -> InvoiceEmailDefaults:
    """The form's and the API's defaults: the customer's address, a subject naming the
    invoice and the workspace, and a short message."""
    invoice = document.invoice
    due = f", due on {invoice.due_date:%Y-%m-%d}" if invoice.due_date else ""
    return InvoiceEmailDefaults(
        to=document.customer.email,
        subject=f"Invoice {invoice.number} from {ctx.workspace_name}",
        message=(
            f"Hello {document.customer.name},\n\n"
            f"Please find attached invoice {invoice.number}{due}.\n\n"
            f"Kind regards,\n{ctx.workspace_name}"
        ),
    )


async def send_invoice(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.InvoiceEmail,
    pdf_of: PdfOf,
) -> schemas.InvoiceSend:
    """Queues an email with the invoice's PDF (`pdf_of` renders it) in the outbox, which
    sends it once the transaction commits, and records the send: to whom, the subject,
    by whom (the message's text stays in the outbox). Only issued or paid invoices (409
    `invoice_not_sendable`); without an address and a customer email, 422
    `customer_has_no_email`."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    row = await _locked_invoice(repo, invoice_id)
    document = await _document(ctx, db, repo, row, InvoiceAction.SEND)
    defaults = email_defaults(ctx, document)
    to = data.to or defaults.to
    if to is None:
        raise invalid(
            "The customer has no email address: say where to send the invoice.",
            "to",
            "required: the customer has no email address",
            code="customer_has_no_email",
        )
    subject = data.subject or defaults.subject
    attachment = Attachment(document.filename, PDF, await pdf_of(document))
    await OutboxRepository(db).add(
        ctx.workspace_id, to, subject, data.message or defaults.message, attachment
    )
    sent = await repo.add_send(invoice_id, to_email=to, subject=subject, sent_by=ctx.user_id)
    return schemas.InvoiceSend.model_validate(dict(sent))


async def latest_sends(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> list[schemas.InvoiceSend]:
    """The invoice's last `SENDS_SHOWN` sends, newest first."""
    rows = await InvoicesRepository(db, ctx.workspace_id).latest_sends(invoice_id, SENDS_SHOWN)
    return [schemas.InvoiceSend.model_validate(dict(r)) for r in rows]


# Credit notes


def _credit_note(row: asyncpg.Record, lines: Sequence[asyncpg.Record]) -> schemas.CreditNote:
    return schemas.CreditNote.model_validate({**dict(row), "lines": [dict(r) for r in lines]})


def _status_once_credited(invoice: asyncpg.Record, amount: Decimal) -> str:
    """A credit that leaves nothing to pay settles the invoice: paid if anything was paid
    on it, else void; otherwise its status stays."""
    if _balance(invoice) - amount > 0:
        status: str = invoice["status"]
        return status
    return "paid" if invoice["amount_paid"] > 0 else "void"


async def _credit(
    db: asyncpg.Connection,
    workspace_id: uuid.UUID,
    invoice: asyncpg.Record,
    *,
    reason: str,
    issue_date: date,
    priced: Sequence[Mapping[str, Any]],
) -> uuid.UUID:
    """Writes and posts a credit note of `priced` on the (locked) invoice, within its
    balance, and lowers the balance; the next `CN-<year>-<n>` number is taken here."""
    totals = _totals(priced, invoice["currency"])
    left = _balance(invoice)
    if totals["total"] <= 0:
        raise invalid("A credit note credits an amount.", "lines", "the total must be above 0.00")
    if totals["total"] > left:
        raise invalid(
            f"The credit note's total exceeds the invoice's balance of {left}.",
            "lines",
            f"the total may be at most {left}",
            code="credit_exceeds_balance",
        )
    _dated_from(
        issue_date,
        invoice["issue_date"],
        "issue_date",
        "A credit note is dated on or after its invoice.",
    )
    customer = await _customer_of(db, workspace_id, invoice)
    accounts = await _sale_accounts(db, workspace_id, customer)
    lines = _with_accounts(priced, accounts.default_income)
    year = issue_date.year
    n = await NumberSequences(db, workspace_id).next(f"credit-note-{year}")
    number = f"CN-{year}-{n:04d}"
    note_id = await CreditNotesRepository(db, workspace_id).create(
        invoice_id=invoice["id"],
        number=number,
        issue_date=issue_date,
        currency=invoice["currency"],
        reason=reason,
        totals=totals,
        lines=lines,
    )
    with constraint_errors(CONSTRAINT_ERRORS):
        await InvoicesRepository(db, workspace_id).add_credited(
            invoice["id"], totals["total"], _status_once_credited(invoice, totals["total"])
        )
    await _post_sale(
        db,
        workspace_id,
        _Sale(
            source_type=SourceType.CREDIT_NOTE,
            source_id=note_id,
            memo=f"Credit note {number} on {invoice['number']}",
            on=issue_date,
            currency=invoice["currency"],
            customer_id=invoice["customer_id"],
            lines=lines,
            tax_total=totals["tax_total"],
            total=totals["total"],
            credits_customer=True,
            accounts=accounts,
        ),
    )
    return note_id


async def create_credit_note(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.CreditNoteCreate,
) -> schemas.CreditNote:
    """Credits part or all of an issued (or paid) invoice's balance, dated on or after the
    invoice's issue date (today if unset, so refused while that date is still to come);
    once the balance is 0.00 the invoice is paid if anything was paid on it, else void."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    invoice = await _locked_invoice(repo, invoice_id)
    _require(invoice, InvoiceAction.CREDIT)
    await _check_income_accounts(db, ctx.workspace_id, _line_accounts(data.lines))
    note_id = await _credit(
        db,
        ctx.workspace_id,
        invoice,
        reason=data.reason,
        issue_date=data.issue_date or business_day(),
        priced=_priced_lines(data.lines, invoice["currency"]),
    )
    return await get_credit_note(ctx, db, note_id)


async def list_credit_notes(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.CreditNoteFilters,
    page: PageRequest,
) -> Page[schemas.CreditNoteSummary]:
    rows, total = await CreditNotesRepository(db, ctx.workspace_id).list(
        invoice_id=filters.invoice_id,
        customer_id=filters.customer_id,
        q=search_text(filters.q),
        sort=filters.sort,
        page=page,
    )
    return page_of(schemas.CreditNoteSummary, [dict(r) for r in rows], total, page)


async def get_credit_note(
    ctx: WorkspaceContext, db: asyncpg.Connection, note_id: uuid.UUID
) -> schemas.CreditNote:
    repo = CreditNotesRepository(db, ctx.workspace_id)
    row = await repo.get(note_id)
    if row is None:
        raise NotFound("Credit note not found.")
    return _credit_note(row, await repo.lines(note_id))


# Payments


async def record_payment(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    data: schemas.PaymentCreate,
) -> schemas.Payment:
    """Records and posts a payment of at most the balance, dated on or after the invoice's
    issue date (nothing is owed before it); a zero balance makes the invoice paid. Without
    `paid_on` it is dated today, and refused like any early date while the invoice's issue
    date is still to come: the day the money came in is stated, never moved."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    # The row lock makes concurrent payments check the balance one after the other.
    row = await _locked_invoice(repo, invoice_id)
    _require(row, InvoiceAction.RECORD_PAYMENT)
    refuse_excess_decimals(data.amount, row["currency"], "amount")
    left = _balance(row)
    if data.amount > left:
        raise invalid(
            f"The payment exceeds the balance of {left}.",
            "amount",
            f"at most {left}",
            code="overpayment",
        )
    paid_on = data.paid_on or business_day()
    _dated_from(
        paid_on,
        row["issue_date"],
        "paid_on",
        "A payment is dated on or after the invoice's issue date.",
    )
    payment = await repo.add_payment(
        invoice_id,
        amount=data.amount,
        paid_on=paid_on,
        method=data.method,
        reference=data.reference,
    )
    with constraint_errors(CONSTRAINT_ERRORS):
        await repo.add_paid(invoice_id, data.amount)
    await _post_payment(
        db,
        ctx.workspace_id,
        payment,
        currency=row["currency"],
        customer_id=row["customer_id"],
        invoice_number=row["number"],
    )
    return schemas.Payment.model_validate(dict(payment))


async def reverse_payment(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    invoice_id: uuid.UUID,
    payment_id: uuid.UUID,
    data: schemas.PaymentReversal,
) -> schemas.Payment:
    """Takes a payment back (a bounced transfer): the invoice awaits its amount again and
    the payment's entry is reversed on `reversed_on`; the payment stays, marked."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    invoice = await _locked_invoice(repo, invoice_id)
    payment = await repo.payment(invoice_id, payment_id, for_update=True)
    if payment is None:
        raise NotFound("Payment not found.")
    if payment["reversed_on"] is not None:
        raise Conflict("The payment was reversed already.", code="payment_already_reversed")
    on = data.reversed_on or business_day()
    _dated_from(
        on,
        payment["paid_on"],
        "reversed_on",
        "A payment is reversed on or after the day it was paid.",
    )
    reversed_payment = await repo.mark_reversed(payment_id, on)
    await repo.add_paid(invoice_id, -payment["amount"])
    entry = await ledger.posted_entry(
        db, ctx.workspace_id, SourceType.PAYMENT, payment_id, RECEIVED
    )
    assert entry is not None  # every payment posts (`post_missing_entries` the older ones)
    await ledger.reverse(
        db, ctx.workspace_id, entry, on, memo=f"Reversal of the payment on {invoice['number']}"
    )
    return schemas.Payment.model_validate(dict(reversed_payment))


async def list_payments(
    ctx: WorkspaceContext, db: asyncpg.Connection, invoice_id: uuid.UUID
) -> list[schemas.Payment]:
    """The invoice's payments, reversed ones included."""
    repo = InvoicesRepository(db, ctx.workspace_id)
    if await repo.get(invoice_id) is None:
        raise NotFound("Invoice not found.")
    return [schemas.Payment.model_validate(dict(r)) for r in await repo.payments(invoice_id)]


async def invoices_of_documents(
    ctx: WorkspaceContext, db: asyncpg.Connection, document_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The invoice each payment or credit note of `document_ids` is on (others left out)."""
    rows = await InvoicesRepository(db, ctx.workspace_id).invoices_of_documents(document_ids)
    return {row["document_id"]: row["invoice_id"] for row in rows}


# The books of documents from before them


async def _reverse_once(
    db: asyncpg.Connection, workspace_id: uuid.UUID, entry: asyncpg.Record, on: date
) -> int:
    """Reverses `entry` on `on` unless it was reversed already; 1 if it posted."""
    found = await ledger.posted_entry(
        db, workspace_id, SourceType.REVERSAL, entry["id"], "reversed"
    )
    if found is not None:
        return 0
    await ledger.reverse(db, workspace_id, entry, on)
    return 1


async def post_missing_entries(db: asyncpg.Connection, workspace_id: uuid.UUID) -> dict[str, int]:
    """Posts what the workspace's books lack of its documents from before the books: each
    issued invoice's entry (a void one's reversed on the day it was voided, as no credit
    note holds it) and each payment's (a reversed one's reversed too). What is posted
    already is left alone, so a second run posts nothing. Runs in the workspace's tenant
    context, inside the caller's transaction."""
    repo = InvoicesRepository(db, workspace_id)
    counts = {"invoices": 0, "payments": 0, "reversals": 0}
    for invoice in await repo.issued():
        entry = await ledger.posted_entry(
            db, workspace_id, SourceType.INVOICE, invoice["id"], ISSUED
        )
        if entry is None:
            entry = await _post_invoice(db, workspace_id, invoice)
            counts["invoices"] += entry is not None
        voided_without_note = invoice["status"] == "void" and invoice["amount_credited"] == 0
        if voided_without_note and entry is not None:
            counts["reversals"] += await _reverse_once(
                db, workspace_id, entry, invoice["voided_at"].date()
            )
    for payment in await repo.all_payments():
        entry = await ledger.posted_entry(
            db, workspace_id, SourceType.PAYMENT, payment["id"], RECEIVED
        )
        if entry is None:
            entry = await _post_payment(
                db,
                workspace_id,
                payment,
                currency=payment["currency"],
                customer_id=payment["customer_id"],
                invoice_number=payment["invoice_number"],
            )
            counts["payments"] += 1
        if payment["reversed_on"] is not None:
            counts["reversals"] += await _reverse_once(
                db, workspace_id, entry, payment["reversed_on"]
            )
    return counts


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
        lines=lines,
    )
    await timesheets.mark_invoiced(ctx, db, [e.id for e in entries], invoice_id)
    return await _reload(InvoicesRepository(db, ctx.workspace_id), invoice_id)
