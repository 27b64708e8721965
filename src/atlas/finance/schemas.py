"""Request and response bodies of customers, invoices, credit notes and payments.

Money is `Decimal` end to end: sent and returned as JSON strings ("1234.50"); numbers are
accepted on input.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    StringConstraints,
)

from atlas.reporting import Cell, Table
from atlas.validation import BusinessDate, Currency, StrictModel, not_null

InvoiceStatus = Literal["draft", "issued", "paid", "void"]
PaymentMethod = Literal["bank_transfer", "card", "cash", "cheque", "other"]
GroupBy = Literal["task", "employee"]

MAX_LINES = 500


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
ShortText = Annotated[str, Field(max_length=2_000)]
TaxId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
TermsDays = Annotated[int, Field(ge=0, le=365)]
LineDescription = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)
]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
TaxRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
PaymentAmount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


# Customers


class CustomerCreate(StrictModel):
    name: Name = Field(description="Unique in the workspace.")
    email: EmailStr | None = None
    billing_address: Text = ""
    tax_id: TaxId | None = None
    currency: Currency | None = Field(
        default=None, description="ISO 4217; the workspace's base currency if omitted."
    )
    payment_terms_days: TermsDays = 30
    income_account_id: uuid.UUID | None = Field(
        default=None,
        description="An income account its invoices' lines post to; else the sales account.",
    )


class CustomerUpdate(StrictModel):
    """Only the fields sent change; null clears email and tax_id."""

    name: Annotated[Name | None, AfterValidator(not_null)] = None
    email: EmailStr | None = None
    billing_address: Annotated[Text | None, AfterValidator(not_null)] = None
    tax_id: TaxId | None = None
    currency: Annotated[Currency | None, AfterValidator(not_null)] = None
    payment_terms_days: Annotated[TermsDays | None, AfterValidator(not_null)] = None
    income_account_id: uuid.UUID | None = None


class Customer(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None
    billing_address: str
    tax_id: str | None
    currency: str
    payment_terms_days: int
    income_account_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


# Invoices


class InvoiceLineIn(StrictModel):
    description: LineDescription
    quantity: Quantity
    unit_price: UnitPrice
    tax_rate: TaxRate = Decimal("0")
    income_account_id: uuid.UUID | None = Field(
        default=None, description="An income account; else the customer's, else sales."
    )


class InvoiceCreate(StrictModel):
    customer_id: uuid.UUID
    currency: Currency | None = Field(
        default=None, description="ISO 4217; the customer's currency if omitted."
    )
    issue_date: BusinessDate | None = Field(default=None, description="Today when issued if unset.")
    due_date: BusinessDate | None = Field(
        default=None, description="Issue date + the customer's payment terms if unset."
    )
    notes: Text = ""
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class InvoiceUpdate(StrictModel):
    """Drafts only. Only the fields sent change; `lines`, when sent, replaces all lines."""

    customer_id: Annotated[uuid.UUID | None, AfterValidator(not_null)] = None
    currency: Annotated[Currency | None, AfterValidator(not_null)] = None
    issue_date: BusinessDate | None = None
    due_date: BusinessDate | None = None
    notes: Annotated[Text | None, AfterValidator(not_null)] = None
    lines: Annotated[
        list[InvoiceLineIn] | None, Field(max_length=MAX_LINES), AfterValidator(not_null)
    ] = None


class InvoiceLine(BaseModel):
    id: uuid.UUID
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    income_account_id: uuid.UUID | None


class PaymentCreate(StrictModel):
    amount: PaymentAmount
    paid_on: BusinessDate | None = Field(
        default=None, description="Today if omitted; on or after the invoice's issue date."
    )
    method: PaymentMethod = "bank_transfer"
    reference: ShortText = ""


class Payment(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: Decimal
    paid_on: date
    method: PaymentMethod
    reference: str
    reversed_on: date | None = Field(description="The day the payment was reversed, if it was.")
    created_at: datetime


class PaymentReversal(StrictModel):
    reversed_on: BusinessDate | None = Field(
        default=None, description="The reversal's entry date; today if omitted."
    )


class InvoiceSummary(BaseModel):
    id: uuid.UUID
    number: str | None = Field(description="INV-<year>-<n>, assigned when issued.")
    status: InvoiceStatus
    customer_id: uuid.UUID
    customer_name: str
    currency: str
    issue_date: date | None
    due_date: date | None
    notes: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    amount_paid: Decimal = Field(description="What the payments not reversed add up to.")
    amount_credited: Decimal = Field(description="What its credit notes add up to.")
    balance: Decimal = Field(description="total - amount_paid - amount_credited")
    overdue: bool = Field(description="Issued, past its due date and not fully paid.")
    issued_at: datetime | None
    voided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Invoice(InvoiceSummary):
    lines: list[InvoiceLine]
    payments: list[Payment]


# Credit notes


class InvoiceEmail(StrictModel):
    """An issued invoice sent by email with its PDF attached."""

    to: EmailStr | None = Field(
        default=None, description="The customer's email address if omitted (422 without one)."
    )
    subject: Name | None = Field(
        default=None, description='"Invoice INV-2026-0001 from <workspace>" if omitted.'
    )
    message: ShortText | None = Field(
        default=None, description="A few lines naming the invoice, its total and due date."
    )


class InvoiceSend(BaseModel):
    """One sending of an invoice: to whom, with what subject, by whom and when."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    to_email: str
    subject: str
    sent_by_user_id: uuid.UUID | None
    created_at: datetime


class CurrencyTotals(BaseModel):
    """What a list's matching invoices add up to in one currency."""

    currency: str
    count: int
    total: Decimal
    balance: Decimal


class CreditNoteCreate(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
    issue_date: BusinessDate | None = Field(
        default=None, description="Today if omitted; on or after the invoice's issue date."
    )
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=MAX_LINES)


class CreditNoteLine(InvoiceLine):
    income_account_id: uuid.UUID = Field(description="The income account it was posted to.")


class CreditNoteSummary(BaseModel):
    id: uuid.UUID
    number: str = Field(description="CN-<year>-<n>.")
    invoice_id: uuid.UUID
    invoice_number: str
    customer_id: uuid.UUID
    customer_name: str
    issue_date: date
    currency: str
    reason: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    created_at: datetime


class CreditNote(CreditNoteSummary):
    lines: list[CreditNoteLine]


class Receivable(BaseModel):
    """Issued invoices of one currency: how many, how many overdue, what is outstanding."""

    currency: str
    open_count: int
    overdue_count: int
    outstanding: Decimal
    overdue_amount: Decimal


class AgingBuckets(BaseModel):
    """What was owed on the day, by days past the due date (not yet due: current)."""

    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal

    def cells(self) -> list[Cell]:
        return [getattr(self, bucket) for bucket in AgingBuckets.model_fields]


class CustomerAging(AgingBuckets):
    customer_id: uuid.UUID
    customer_name: str


class ReceivablesAging(BaseModel):
    currency: str
    as_of: date
    customers: list[CustomerAging]
    totals: AgingBuckets

    def table(self) -> Table:
        return Table(
            "receivables-aging",
            self.as_of,
            ["customer_id", "customer", *AgingBuckets.model_fields],
            [
                *([c.customer_id, c.customer_name, *c.cells()] for c in self.customers),
                ["", "Total", *self.totals.cells()],
            ],
        )


class RecentInvoice(BaseModel):
    id: uuid.UUID
    number: str | None
    status: InvoiceStatus
    customer: str
    total: Decimal
    balance: Decimal
    currency: str
    overdue: bool


class InvoiceFromTime(StrictModel):
    customer_id: uuid.UUID
    project_id: uuid.UUID
    date_from: BusinessDate = Field(alias="from")
    date_to: BusinessDate = Field(alias="to")
    group_by: GroupBy = "task"
    tax_rate: TaxRate = Decimal("0")


@dataclass(frozen=True)
class CustomerFilters:
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class CreditNoteFilters:
    invoice_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class InvoiceFilters:
    """`statuses` may include "overdue" (issued, past due, not fully paid)."""

    statuses: list[str] = field(default_factory=list)
    customer_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None
