"""Invoice arithmetic: `Decimal` end to end, rounded to the cent per line.

The rule, for each line:

    subtotal = round(quantity * unit_price, 2)
    tax      = round(subtotal * tax_rate / 100, 2)
    total    = subtotal + tax

each rounding ROUND_HALF_UP to the cent. The invoice's subtotal, tax_total and total are
the sums of its lines' rounded amounts, so an invoice always equals the sum of the lines
it shows (e.g. 0.335 * 3.00 at 19 %: subtotal 1.01, tax 0.19, total 1.20).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# NUMERIC(14, 2): the largest amount a column holds.
MAX_AMOUNT = Decimal("999999999999.99")


class AmountTooLarge(ValueError):
    """An amount would not fit its NUMERIC(14, 2) column."""


def to_cents(value: Decimal) -> Decimal:
    """`value` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> LineAmounts:
    subtotal = _checked(to_cents(quantity * unit_price))
    tax = _checked(to_cents(subtotal * tax_rate / HUNDRED))
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
