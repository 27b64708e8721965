"""Request and response bodies of the books.

Money is `Decimal` end to end: sent and returned as JSON strings ("1234.50"); numbers are
accepted on input. Hashes are returned as hex strings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from atlas.validation import BusinessDate, Currency, StrictModel, not_null

# Journal

MAX_ENTRY_LINES = 500

# Signed here: a negative or two-sided line is the service's `line_one_sided`, with its path.
LineAmount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Memo = Annotated[str, Field(max_length=2_000)]
LineDescription = Annotated[str, Field(max_length=2_000)]


class JournalLineIn(StrictModel):
    account_id: uuid.UUID
    debit: LineAmount = Decimal("0")
    credit: LineAmount = Decimal("0")
    description: LineDescription = ""
    customer_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    employee_id: uuid.UUID | None = None


class ManualEntryIn(StrictModel):
    """A manual entry: posted directly, or kept as a draft until posted."""

    entry_date: BusinessDate | None = Field(default=None, description="Required to post.")
    currency: Currency | None = Field(
        default=None, description="ISO 4217; the workspace's base currency if omitted."
    )
    memo: Memo = ""
    lines: list[JournalLineIn] = Field(default_factory=list, max_length=MAX_ENTRY_LINES)


class JournalDraftUpdate(StrictModel):
    """Only the fields sent change; null clears `entry_date`; `lines` replaces all lines."""

    entry_date: BusinessDate | None = None
    currency: Annotated[Currency | None, AfterValidator(not_null)] = None
    memo: Annotated[Memo | None, AfterValidator(not_null)] = None
    lines: Annotated[
        list[JournalLineIn] | None, Field(max_length=MAX_ENTRY_LINES), AfterValidator(not_null)
    ] = None


class ReversalIn(StrictModel):
    entry_date: BusinessDate | None = Field(default=None, description="Today if omitted.")
    memo: Memo | None = Field(default=None, description="'Reversal of <number>' if omitted.")


class JournalLine(BaseModel):
    id: uuid.UUID
    position: int
    account_id: uuid.UUID
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    description: str
    customer_id: uuid.UUID | None
    project_id: uuid.UUID | None
    employee_id: uuid.UUID | None


class JournalEntrySummary(BaseModel):
    id: uuid.UUID
    number: str = Field(description="JE-<year>-<n>, gapless per workspace and year.")
    entry_date: date
    currency: str
    memo: str
    source_type: str = Field(description="manual, invoice, credit_note, payment or reversal.")
    source_id: uuid.UUID | None = Field(description="The document (or draft) that posted it.")
    source_event: str
    reverses_entry_id: uuid.UUID | None
    reversed_by_entry_id: uuid.UUID | None = Field(description="The entry reversing this one.")
    created_by_user_id: uuid.UUID | None
    line_count: int
    total: Decimal
    chain_seq: int
    prev_hash: str | None = Field(description="Hex SHA-256 of the previous entry.")
    hash: str = Field(description="Hex SHA-256 over prev_hash and this entry with its lines.")
    created_at: datetime


class JournalEntry(JournalEntrySummary):
    lines: list[JournalLine]


class JournalDraftLine(BaseModel):
    id: uuid.UUID
    position: int
    account_id: uuid.UUID
    debit: Decimal
    credit: Decimal
    description: str
    customer_id: uuid.UUID | None
    project_id: uuid.UUID | None
    employee_id: uuid.UUID | None


class JournalDraftSummary(BaseModel):
    id: uuid.UUID
    entry_date: date | None
    currency: str
    memo: str
    created_by_user_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class JournalDraft(JournalDraftSummary):
    lines: list[JournalDraftLine]
    debit_total: Decimal
    credit_total: Decimal


@dataclass(frozen=True)
class JournalEntryFilters:
    date_from: date | None = None
    date_to: date | None = None
    source_types: list[str] = field(default_factory=list)
    account_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class JournalDraftFilters:
    q: str | None = None
    sort: str | None = None
