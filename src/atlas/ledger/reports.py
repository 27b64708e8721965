"""The financial reports, read from posted lines only: trial balance, profit and loss,
balance sheet and general ledger.

Each report reads one currency (the workspace's base currency unless named) and runs one
statement for its figures (`ReportsRepository`), after the workspace's settings. The
statements sum lines debit-positive (the row types below hold those sums); a report shows
an account's balance on its natural side (`natural`): debit-positive for assets and
expenses, credit-positive for liabilities, equity and income. The fiscal year starts on
the first day of the workspace's `fiscal_year_start_month`. Earnings are income minus
expenses; the books keep no closing entries, so the balance sheet computes them: those
before the fiscal year go to retained earnings, those since to current-year earnings.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from atlas.clock import business_day
from atlas.errors import NotFound
from atlas.ledger import schemas
from atlas.ledger.repository import ReportsRepository
from atlas.ledger.service import ZERO
from atlas.ledger.tables import AccountType, SystemRole
from atlas.pagination import PageRequest
from atlas.tenancy.context import WorkspaceContext
from atlas.validation import invalid

DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})
EARNINGS = frozenset({AccountType.INCOME, AccountType.EXPENSE})
BALANCE_SHEET_TYPES = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY)
RETAINED_EARNINGS = "Retained earnings"
CURRENT_YEAR_EARNINGS = "Current-year earnings"


def natural(account_type: str, moved: Decimal) -> Decimal:
    """A debit-positive amount on the account's natural side (a subtraction, not a
    negation: Decimal's -0.00 would show as such)."""
    return moved if account_type in DEBIT_NORMAL else ZERO - moved


def fiscal_year_start(on: date, first_month: int) -> date:
    """The first day of the fiscal year that contains `on`."""
    year = on.year if on.month >= first_month else on.year - 1
    return date(year, first_month, 1)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before `start`..`end` and as long: as many whole months when the
    range is whole months (a quarter compares with the quarter before), else as many days."""
    before = start - timedelta(days=1)
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), before
    return start - timedelta(days=(end - start).days + 1), before


def _checked_range(start: date, end: date) -> None:
    if start > end:
        raise invalid("The range ends before it starts.", "to", "must be on or after 'from'")


@dataclass(frozen=True, slots=True)
class Books:
    """The workspace's settings a report reads by."""

    base_currency: str
    fiscal_year_start_month: int


async def _books(repo: ReportsRepository) -> Books:
    return Books(**dict(await repo.settings()))


# Row types: what each statement returns per account, summed debit-positive.


@dataclass(frozen=True, slots=True)
class TrialBalanceSums:
    account_id: uuid.UUID
    code: str
    name: str
    type: str
    opening: Decimal
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class PeriodSums:
    account_id: uuid.UUID
    code: str
    name: str
    type: str
    group_id: uuid.UUID
    group_code: str
    group_name: str
    moved: Decimal
    previously_moved: Decimal


@dataclass(frozen=True, slots=True)
class BalanceSums:
    account_id: uuid.UUID
    code: str
    name: str
    type: str
    system_role: str | None
    group_id: uuid.UUID | None
    group_code: str | None
    group_name: str | None
    before_year: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """The general ledger's statement: the figures of the whole range and one page."""

    opening: Decimal
    line_count: int
    debit_total: Decimal
    credit_total: Decimal
    lines: list[asyncpg.Record]

    @classmethod
    def of(cls, rows: Sequence[asyncpg.Record]) -> LedgerPage:
        first = rows[0]
        return cls(
            opening=first["opening"],
            line_count=first["line_count"],
            debit_total=first["debit_total"],
            credit_total=first["credit_total"],
            lines=[row for row in rows if row["entry_id"] is not None],
        )


def _total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def _sides(moved: Decimal) -> tuple[Decimal, Decimal]:
    """A balance as (debit, credit) columns: one of them is zero."""
    return (moved, ZERO) if moved > 0 else (ZERO, ZERO - moved)


# Trial balance


def _trial_balance_row(sums: TrialBalanceSums) -> schemas.TrialBalanceRow:
    opening_debit, opening_credit = _sides(sums.opening)
    closing_debit, closing_credit = _sides(sums.opening + sums.debit - sums.credit)
    return schemas.TrialBalanceRow(
        account_id=sums.account_id,
        code=sums.code,
        name=sums.name,
        type=sums.type,
        opening_debit=opening_debit,
        opening_credit=opening_credit,
        movement_debit=sums.debit,
        movement_credit=sums.credit,
        closing_debit=closing_debit,
        closing_credit=closing_credit,
    )


async def trial_balance(
    ctx: WorkspaceContext, db: asyncpg.Connection, *, as_of: date | None, currency: str | None
) -> schemas.TrialBalance:
    """Per account with lines up to `as_of`: opening, movement of the fiscal year to
    `as_of`, and closing, each as debit and credit; the totals balance."""
    repo = ReportsRepository(db, ctx.workspace_id)
    books = await _books(repo)
    on = as_of or business_day()
    start = fiscal_year_start(on, books.fiscal_year_start_month)
    code = currency or books.base_currency
    sums = [TrialBalanceSums(**dict(r)) for r in await repo.trial_balance(code, start, on)]
    rows = [_trial_balance_row(s) for s in sums]
    totals = schemas.TrialBalanceAmounts(
        **{
            field: _total(getattr(row, field) for row in rows)
            for field in schemas.TrialBalanceAmounts.model_fields
        }
    )
    return schemas.TrialBalance(
        currency=code, as_of=on, fiscal_year_start=start, rows=rows, totals=totals
    )


# Profit and loss


def _pnl_groups(sums: Sequence[PeriodSums], compare: bool) -> list[schemas.ProfitAndLossGroup]:
    """The accounts under their top-level group, in the statement's (code) order."""
    by_group: dict[uuid.UUID, list[PeriodSums]] = {}
    for s in sums:
        by_group.setdefault(s.group_id, []).append(s)
    groups = []
    for members in by_group.values():
        lines = [
            schemas.ProfitAndLossLine(
                account_id=s.account_id,
                code=s.code,
                name=s.name,
                type=s.type,
                amount=natural(s.type, s.moved),
                previous_amount=natural(s.type, s.previously_moved) if compare else None,
            )
            for s in members
        ]
        first = members[0]
        groups.append(
            schemas.ProfitAndLossGroup(
                account_id=first.group_id,
                code=first.group_code,
                name=first.group_name,
                type=first.type,
                lines=lines,
                total=_total(line.amount for line in lines),
                previous_total=(
                    _total(line.previous_amount or ZERO for line in lines) if compare else None
                ),
            )
        )
    return groups


def _earnings(sums: Iterable[PeriodSums], kind: AccountType, previous: bool) -> Decimal:
    return _total(
        natural(s.type, s.previously_moved if previous else s.moved) for s in sums if s.type == kind
    )


def _period_sums(row: asyncpg.Record, groups: dict[uuid.UUID, asyncpg.Record]) -> PeriodSums:
    """The account's sums under its top-level group: the last group up its parents (the
    account itself when it has none)."""
    top: Mapping[str, Any] = {"id": row["account_id"], "code": row["code"], "name": row["name"]}
    parent = row["parent_id"]
    while parent is not None:  # the chart has no cycles (its trigger refuses them)
        top = dict(groups[parent])
        parent = top["parent_id"]
    return PeriodSums(
        account_id=row["account_id"],
        code=row["code"],
        name=row["name"],
        type=row["type"],
        group_id=top["id"],
        group_code=top["code"],
        group_name=top["name"],
        moved=row["moved"],
        previously_moved=row["previously_moved"],
    )


async def profit_and_loss(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    *,
    date_from: date | None,
    date_to: date | None,
    compare: schemas.Comparison,
    currency: str | None,
) -> schemas.ProfitAndLoss:
    """Income and expenses of the range (the fiscal year to date by default) by top-level
    group, beside the previous period of the same length unless compare=none."""
    repo = ReportsRepository(db, ctx.workspace_id)
    books = await _books(repo)
    end = date_to or business_day()
    start = date_from or fiscal_year_start(end, books.fiscal_year_start_month)
    _checked_range(start, end)
    code = currency or books.base_currency
    comparing = compare is schemas.Comparison.PREVIOUS_PERIOD
    before = previous_period(start, end) if comparing else None
    rows = await repo.profit_and_loss(code, start, end, before[0] if before else start)
    groups = {g["id"]: g for g in await repo.group_accounts()}
    sums = [_period_sums(r, groups) for r in rows]
    income = _earnings(sums, AccountType.INCOME, previous=False)
    expense = _earnings(sums, AccountType.EXPENSE, previous=False)
    previous_income = _earnings(sums, AccountType.INCOME, previous=True)
    previous_expense = _earnings(sums, AccountType.EXPENSE, previous=True)
    return schemas.ProfitAndLoss(
        currency=code,
        period=schemas.Period(start=start, end=end),
        previous_period=schemas.Period(start=before[0], end=before[1]) if before else None,
        groups=_pnl_groups(sums, comparing),
        income=income,
        expense=expense,
        net_profit=income - expense,
        previous_income=previous_income if comparing else None,
        previous_expense=previous_expense if comparing else None,
        previous_net_profit=previous_income - previous_expense if comparing else None,
    )


# Balance sheet


# A parent group account (id, code, name), or Nones for accounts without one.
GroupKey = tuple[uuid.UUID | None, str | None, str | None]
NO_GROUP: GroupKey = (None, None, None)


class _Section:
    """A balance sheet section being filled: its groups in the order they come."""

    def __init__(self, account_type: AccountType) -> None:
        self.type = account_type
        self.groups: dict[GroupKey, list[schemas.BalanceSheetLine]] = {}

    def add(self, group: GroupKey, line: schemas.BalanceSheetLine) -> None:
        self.groups.setdefault(group, []).append(line)

    def done(self) -> schemas.BalanceSheetSection:
        groups = [
            schemas.BalanceSheetGroup(
                account_id=group_id,
                code=code,
                name=name,
                lines=lines,
                total=_total(line.amount for line in lines),
            )
            for (group_id, code, name), lines in self.groups.items()
        ]
        return schemas.BalanceSheetSection(
            type=self.type.value, groups=groups, total=_total(g.total for g in groups)
        )


def _earnings_lines(
    rows: Sequence[BalanceSums], retained: BalanceSums | None
) -> tuple[schemas.BalanceSheetLine, schemas.BalanceSheetLine]:
    """Retained earnings (income - expense before the fiscal year, added to the retained
    earnings account's own balance) and current-year earnings (since its first day)."""
    earned = [r for r in rows if r.type in EARNINGS]
    before = ZERO - _total(r.before_year for r in earned)
    since = ZERO - _total(r.balance - r.before_year for r in earned)
    own = natural(AccountType.EQUITY, retained.balance) if retained else ZERO
    return (
        schemas.BalanceSheetLine(
            account_id=retained.account_id if retained else None,
            code=retained.code if retained else None,
            name=RETAINED_EARNINGS,
            amount=own + before,
            computed=True,
        ),
        schemas.BalanceSheetLine(
            account_id=None, code=None, name=CURRENT_YEAR_EARNINGS, amount=since, computed=True
        ),
    )


def _retained_earnings_account(rows: Sequence[BalanceSums]) -> BalanceSums | None:
    return next((r for r in rows if r.system_role == SystemRole.RETAINED_EARNINGS), None)


async def balance_sheet(
    ctx: WorkspaceContext, db: asyncpg.Connection, *, as_of: date | None, currency: str | None
) -> schemas.BalanceSheet:
    """Assets, liabilities and equity at `as_of`, per account under its parent group,
    with the two earnings lines in the retained earnings account's group."""
    repo = ReportsRepository(db, ctx.workspace_id)
    books = await _books(repo)
    on = as_of or business_day()
    start = fiscal_year_start(on, books.fiscal_year_start_month)
    code = currency or books.base_currency
    records = await repo.balance_sheet(code, start, on, SystemRole.RETAINED_EARNINGS.value)
    rows = [BalanceSums(**dict(r)) for r in records]
    retained = _retained_earnings_account(rows)
    earnings = _earnings_lines(rows, retained)
    sections = {t: _Section(t) for t in BALANCE_SHEET_TYPES}
    for row in rows:
        group = (row.group_id, row.group_code, row.group_name)
        if row is retained:
            for line in earnings:
                sections[AccountType.EQUITY].add(group, line)
        elif row.type not in EARNINGS:
            line = schemas.BalanceSheetLine(
                account_id=row.account_id,
                code=row.code,
                name=row.name,
                amount=natural(row.type, row.balance),
                computed=False,
            )
            sections[AccountType(row.type)].add(group, line)
    if retained is None:  # a chart without the role: the lines stand outside any group
        for line in earnings:
            sections[AccountType.EQUITY].add(NO_GROUP, line)
    assets, liabilities, equity = (s.done() for s in sections.values())
    return schemas.BalanceSheet(
        currency=code,
        as_of=on,
        fiscal_year_start=start,
        assets=assets,
        liabilities=liabilities,
        equity=equity,
        liabilities_and_equity=liabilities.total + equity.total,
    )


# General ledger


def _ledger_line(
    account_type: str, opening: Decimal, row: asyncpg.Record
) -> schemas.GeneralLedgerLine:
    fields = {k: v for k, v in dict(row).items() if k in schemas.GeneralLedgerLine.model_fields}
    return schemas.GeneralLedgerLine(
        **fields, balance=natural(account_type, opening + row["moved"])
    )


async def general_ledger(
    ctx: WorkspaceContext,
    db: asyncpg.Connection,
    filters: schemas.GeneralLedgerFilters,
    page: PageRequest,
) -> schemas.GeneralLedger:
    """The account's lines from `from` (the fiscal year's first day by default) to `to`
    (today), in date and number order, with the balance after each; one page of them,
    between the opening and the closing balance of the whole range."""
    repo = ReportsRepository(db, ctx.workspace_id)
    books = await _books(repo)
    end = filters.date_to or business_day()
    start = filters.date_from or fiscal_year_start(end, books.fiscal_year_start_month)
    _checked_range(start, end)
    account = await repo.account(filters.account_id)
    if account is None:
        raise NotFound("Account not found.")
    code = filters.currency or books.base_currency
    found = LedgerPage.of(
        await repo.general_ledger(account["id"], code, start, end, page.limit, page.offset)
    )
    kind = account["type"]
    return schemas.GeneralLedger(
        account=schemas.ReportAccount.model_validate(dict(account)),
        currency=code,
        period=schemas.Period(start=start, end=end),
        opening_balance=natural(kind, found.opening),
        debit_total=found.debit_total,
        credit_total=found.credit_total,
        closing_balance=natural(kind, found.opening + found.debit_total - found.credit_total),
        items=[_ledger_line(kind, found.opening, row) for row in found.lines],
        total=found.line_count,
        limit=page.limit,
        offset=page.offset,
    )
