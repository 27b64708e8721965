"""Invoice arithmetic: `Decimal` end to end, rounded to the currency's minor unit per line.

The rule, for each line, with d the currency's minor units (`validation.minor_units`:
JPY 0, USD and EUR 2):

    subtotal = round(quantity * unit_price, d)
    tax      = round(subtotal * tax_rate / 100, d)
    total    = subtotal + tax

each rounding ROUND_HALF_UP (to the cent in USD, to the whole yen in JPY). The invoice's
subtotal, tax_total and total are the sums of its lines' rounded amounts, so an invoice
always equals the sum of the lines it shows (e.g. 0.335 * 3.00 at 19 %: subtotal 1.01,
tax 0.19, total 1.20; 3 * 333 JPY at 10 %: subtotal 999, tax 100, total 1099).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from atlas.validation import minor_units

HUNDRED = Decimal(100)
# NUMERIC(14, 2): the largest amount a column holds.
MAX_AMOUNT = Decimal("999999999999.99")


class AmountTooLarge(ValueError):
    """An amount would not fit its NUMERIC(14, 2) column."""


def to_minor_unit(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half up to the minor unit of `currency` (the cent, the yen)."""
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def _checked(amount: Decimal) -> Decimal:
    if abs(amount) > MAX_AMOUNT:
        raise AmountTooLarge(f"{amount} exceeds {MAX_AMOUNT}")
    return amount


def line_amounts(
    quantity: Decimal, unit_price: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    subtotal = _checked(to_minor_unit(quantity * unit_price, currency))
    tax = _checked(to_minor_unit(subtotal * tax_rate / HUNDRED, currency))
    return LineAmounts(subtotal=subtotal, tax=tax, total=_checked(subtotal + tax))


def invoice_totals(lines: Iterable[LineAmounts]) -> Totals:
    subtotal = tax_total = Decimal("0.00")
    for line in lines:
        subtotal += line.subtotal
        tax_total += line.tax
    return Totals(
        subtotal=_checked(subtotal),
        tax_total=_checked(tax_total),
        total=_checked(subtotal + tax_total),
    )
