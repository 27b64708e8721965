"""Request and response bodies of the books: accounts and the chart as a tree, the books'
settings and their lock date, journal and manual entries, the reports.

Money is `Decimal` end to end: sent and returned as JSON strings ("1234.50"); numbers are
accepted on input. Hashes are returned as hex strings. An account's `system_role` is read
only: the roles postings look accounts up by are the default chart's
(`atlas.ledger.chart`), and a body that names one is refused (422).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from atlas.ledger.tables import ACCOUNT_CODE_PATTERN, AccountType, SystemRole
from atlas.pagination import Page
from atlas.reporting import Cell, Table
from atlas.validation import BusinessDate, Currency, StrictModel, not_null

ACCOUNT_CODE = re.compile(ACCOUNT_CODE_PATTERN)


def _account_code(value: str) -> str:
    if not ACCOUNT_CODE.match(value):
        raise ValueError("use letters, digits, '.', '-' or '_', starting with a letter or digit")
    return value


AccountCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(_account_code),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2_000)]


# Accounts


class AccountCreate(StrictModel):
    code: AccountCode = Field(description="1 to 20 characters; unique in the workspace.")
    name: Name
    type: AccountType
    parent_id: uuid.UUID | None = Field(
        default=None, description="A group account of the same type in the workspace."
    )
    is_group: bool = Field(default=False, description="Groups hold accounts, not postings.")
    currency: Currency | None = Field(
        default=None, description="ISO 4217: the only currency posted to it; any if null."
    )
    description: Description = ""


class AccountUpdate(StrictModel):
    """Only the fields sent change; null clears the parent and the currency."""

    code: Annotated[AccountCode | None, AfterValidator(not_null)] = None
    name: Annotated[Name | None, AfterValidator(not_null)] = None
    description: Annotated[Description | None, AfterValidator(not_null)] = None
    type: Annotated[AccountType | None, AfterValidator(not_null)] = None
    parent_id: uuid.UUID | None = None
    is_group: Annotated[bool | None, AfterValidator(not_null)] = None
    is_active: Annotated[bool | None, AfterValidator(not_null)] = None
    currency: Currency | None = None


class Account(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: AccountType
    parent_id: uuid.UUID | None
    is_group: bool
    currency: str | None
    is_active: bool
    system_role: SystemRole | None = Field(
        description="The role postings find the account by; set by the default chart only."
    )
    description: str
    created_at: datetime
    updated_at: datetime


class AccountNode(Account):
    """An account with the accounts under it, in code order."""

    children: list[AccountNode]


@dataclass(frozen=True)
class AccountFilters:
    types: list[str] = field(default_factory=list)
    active: bool | None = None
    is_group: bool | None = None
    parent_id: uuid.UUID | None = None
    q: str | None = None
    sort: str | None = None


# The books


class Books(BaseModel):
    lock_date: date | None = Field(
        description="Nothing posts on or before this date; null while the books are open."
    )
    fiscal_year_start_month: int = Field(description="The workspace's: 1 is January.")
    base_currency: str = Field(description="The workspace's.")


class LockDateUpdate(StrictModel):
    lock_date: BusinessDate = Field(
        description="Later than the current lock date and before today (UTC)."
    )


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


# Reports


class Comparison(StrEnum):
    PREVIOUS_PERIOD = "previous_period"
    NONE = "none"


class Period(BaseModel):
    start: date
    end: date


class ReportAccount(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: str


class TrialBalanceAmounts(BaseModel):
    """Opening: the balance before the fiscal year; movement: what was debited and
    credited from the fiscal year's first day to as_of; closing: the balance at as_of."""

    opening_debit: Decimal
    opening_credit: Decimal
    movement_debit: Decimal
    movement_credit: Decimal
    closing_debit: Decimal
    closing_credit: Decimal

    def cells(self) -> list[Cell]:
        return [
            self.opening_debit,
            self.opening_credit,
            self.movement_debit,
            self.movement_credit,
            self.closing_debit,
            self.closing_credit,
        ]


class TrialBalanceRow(TrialBalanceAmounts):
    account_id: uuid.UUID
    code: str
    name: str
    type: str


class TrialBalance(BaseModel):
    currency: str
    as_of: date
    fiscal_year_start: date
    rows: list[TrialBalanceRow]
    totals: TrialBalanceAmounts = Field(description="Each debit column equals its credit column.")

    def table(self) -> Table:
        return Table(
            "trial-balance",
            self.as_of,
            ["code", "name", "type", *TrialBalanceAmounts.model_fields],
            [
                *([r.code, r.name, r.type, *r.cells()] for r in self.rows),
                ["", "Total", "", *self.totals.cells()],
            ],
        )


class ProfitAndLossLine(BaseModel):
    account_id: uuid.UUID
    code: str
    name: str
    type: str
    amount: Decimal = Field(description="Income credit-positive, expenses debit-positive.")
    previous_amount: Decimal | None = Field(description="null without a comparison.")


class ProfitAndLossGroup(BaseModel):
    """A top-level group account of the chart and its accounts under it, at any depth."""

    account_id: uuid.UUID
    code: str
    name: str
    type: str
    lines: list[ProfitAndLossLine]
    total: Decimal
    previous_total: Decimal | None


class ProfitAndLoss(BaseModel):
    currency: str
    period: Period
    previous_period: Period | None = Field(
        description="Just before `period` and as long: as many whole months for a range of"
        " whole months, else as many days; null with compare=none."
    )
    groups: list[ProfitAndLossGroup]
    income: Decimal
    expense: Decimal
    net_profit: Decimal = Field(description="income - expense")
    previous_income: Decimal | None
    previous_expense: Decimal | None
    previous_net_profit: Decimal | None

    def table(self) -> Table:
        rows: list[list[Cell]] = []
        for group in self.groups:
            rows.extend(
                [group.name, line.code, line.name, line.amount, line.previous_amount]
                for line in group.lines
            )
            rows.append([group.name, "", "Total", group.total, group.previous_total])
        rows.append(["", "", "Income", self.income, self.previous_income])
        rows.append(["", "", "Expense", self.expense, self.previous_expense])
        rows.append(["", "", "Net profit", self.net_profit, self.previous_net_profit])
        return Table(
            "profit-and-loss",
            self.period.end,
            ["group", "code", "name", "amount", "previous_amount"],
            rows,
        )


class BalanceSheetLine(BaseModel):
    account_id: uuid.UUID | None = Field(
        description="The account; for current-year earnings, which no account holds, null."
    )
    code: str | None
    name: str
    amount: Decimal = Field(description="Assets debit-positive, the rest credit-positive.")
    computed: bool = Field(description="An earnings line the report computes.")


class BalanceSheetGroup(BaseModel):
    """The accounts under one parent group account (null for accounts without one)."""

    account_id: uuid.UUID | None
    code: str | None
    name: str | None
    lines: list[BalanceSheetLine]
    total: Decimal


class BalanceSheetSection(BaseModel):
    type: str
    groups: list[BalanceSheetGroup]
    total: Decimal


class BalanceSheet(BaseModel):
    currency: str
    as_of: date
    fiscal_year_start: date
    assets: BalanceSheetSection
    liabilities: BalanceSheetSection
    equity: BalanceSheetSection
    liabilities_and_equity: Decimal = Field(description="Always equal to the assets' total.")

    def table(self) -> Table:
        rows: list[list[Cell]] = []
        for label, section in (
            ("Assets", self.assets),
            ("Liabilities", self.liabilities),
            ("Equity", self.equity),
        ):
            for group in section.groups:
                rows.extend(
                    [label, group.name, line.code, line.name, line.amount] for line in group.lines
                )
                rows.append([label, group.name, "", "Total", group.total])
            rows.append([label, "", "", f"Total {label.lower()}", section.total])
        rows.append(["", "", "", "Total liabilities and equity", self.liabilities_and_equity])
        return Table(
            "balance-sheet", self.as_of, ["section", "group", "code", "name", "amount"], rows
        )


class GeneralLedgerLine(BaseModel):
    entry_id: uuid.UUID
    number: str
    entry_date: date
    memo: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = Field(description="The account's balance after this line.")
    source_type: str
    source_id: uuid.UUID | None = Field(description="The document that posted the entry.")
    customer_id: uuid.UUID | None
    project_id: uuid.UUID | None
    employee_id: uuid.UUID | None


GL_COLUMNS = (
    "entry_date",
    "number",
    "memo",
    "description",
    "debit",
    "credit",
    "balance",
    "source_type",
    "source_id",
    "entry_id",
    "customer_id",
    "project_id",
    "employee_id",
)


class GeneralLedger(Page[GeneralLedgerLine]):
    """One page of the account's lines; balances on the account's natural side (debit-
    positive for assets and expenses, credit-positive for the rest)."""

    account: ReportAccount
    currency: str
    period: Period
    opening_balance: Decimal = Field(description="The balance before the period's first day.")
    debit_total: Decimal = Field(description="Of the whole period, not only this page.")
    credit_total: Decimal
    closing_balance: Decimal = Field(description="The balance at the period's last day.")

    def table(self) -> Table:
        """This page's lines, between a row of the opening and one of the closing balance."""
        rows: list[list[Cell]] = [
            [self.period.start, "", "Opening balance", *[""] * 3, self.opening_balance]
        ]
        for line in self.items:
            values = line.model_dump()
            rows.append([values[column] for column in GL_COLUMNS])
        rows.append(
            [
                self.period.end,
                "",
                "Closing balance",
                "",
                self.debit_total,
                self.credit_total,
                self.closing_balance,
            ]
        )
        return Table("general-ledger", self.period.end, GL_COLUMNS, rows)


@dataclass(frozen=True)
class GeneralLedgerFilters:
    account_id: uuid.UUID
    date_from: date | None = None
    date_to: date | None = None
    currency: str | None = None
