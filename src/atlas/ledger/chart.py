"""The chart of accounts every workspace starts with: a small business's, in five groups.

`(code, name, type, parent code, is a group, system role)`; a parent comes before its
accounts. `docs/modules.md` ("The books") lists it; the workspace renames, adds and
deactivates accounts from there.
"""

from __future__ import annotations

from typing import NamedTuple


class ChartAccount(NamedTuple):
    code: str
    name: str
    type: str
    parent: str | None
    is_group: bool
    system_role: str | None


def _group(code: str, name: str, type_: str, parent: str | None = None) -> ChartAccount:
    return ChartAccount(code, name, type_, parent, True, None)


def _account(
    code: str, name: str, type_: str, parent: str, system_role: str | None = None
) -> ChartAccount:
    return ChartAccount(code, name, type_, parent, False, system_role)


DEFAULT_CHART: tuple[ChartAccount, ...] = (
    _group("1000", "Assets", "asset"),
    _group("1100", "Current assets", "asset", "1000"),
    _account("1110", "Bank", "asset", "1100", "bank"),
    _account("1120", "Cash", "asset", "1100", "cash"),
    _account("1200", "Accounts receivable", "asset", "1100", "receivables"),
    _account("1300", "Tax receivable", "asset", "1100", "tax_receivable"),
    _account("1400", "Prepaid expenses", "asset", "1100"),
    _group("1500", "Fixed assets", "asset", "1000"),
    _account("1510", "Equipment", "asset", "1500"),
    _account("1590", "Accumulated depreciation", "asset", "1500"),
    _group("2000", "Liabilities", "liability"),
    _account("2100", "Accounts payable", "liability", "2000", "payables"),
    _account("2200", "Tax payable", "liability", "2000", "tax_payable"),
    _account("2300", "Accrued liabilities", "liability", "2000"),
    _account("2400", "Payroll liabilities", "liability", "2000"),
    _account("2500", "Loans", "liability", "2000"),
    _group("3000", "Equity", "equity"),
    _account("3100", "Owner's capital", "equity", "3000"),
    _account("3200", "Retained earnings", "equity", "3000", "retained_earnings"),
    _account("3900", "Opening balances", "equity", "3000", "opening_balances"),
    _group("4000", "Income", "income"),
    _account("4100", "Sales", "income", "4000", "sales_income"),
    _account("4200", "Services", "income", "4000"),
    _account("4900", "Other income", "income", "4000"),
    _group("5000", "Cost of sales", "expense"),
    _account("5100", "Cost of goods sold", "expense", "5000"),
    _group("6000", "Operating expenses", "expense"),
    _account("6100", "Salaries and wages", "expense", "6000"),
    _account("6200", "Rent", "expense", "6000"),
    _account("6300", "Utilities", "expense", "6000"),
    _account("6400", "Software and subscriptions", "expense", "6000"),
    _account("6500", "Travel", "expense", "6000"),
    _account("6600", "Professional fees", "expense", "6000"),
    _account("6700", "Bank fees", "expense", "6000"),
    _account("6800", "Depreciation", "expense", "6000"),
    _account("6900", "Rounding differences", "expense", "6000", "rounding"),
)
