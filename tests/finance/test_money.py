"""The invoice arithmetic alone: per-line rounding half up, sums of rounded lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atlas.finance.money import AmountTooLarge, LineAmounts, invoice_totals, line_amounts


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate", "expected"),
    [
        ("0.335", "3.00", "19", ("1.01", "0.19", "1.20")),
        ("3", "0.33", "19", ("0.99", "0.19", "1.18")),
        ("1", "0.05", "10", ("0.05", "0.01", "0.06")),  # 0.005 rounds up
        ("1", "0.04", "12.5", ("0.04", "0.01", "0.05")),  # 0.005 rounds up, not to even
        ("2.5", "0.01", "0", ("0.03", "0.00", "0.03")),  # 0.025 rounds up
        ("1", "999999999999.99", "0", ("999999999999.99", "0.00", "999999999999.99")),
    ],
)
def test_line_amounts(
    quantity: str, unit_price: str, tax_rate: str, expected: tuple[str, ...]
) -> None:
    amounts = line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(tax_rate), "USD")
    assert (str(amounts.subtotal), str(amounts.tax), str(amounts.total)) == expected


def test_invoice_totals_are_sums_of_rounded_lines() -> None:
    lines = [
        line_amounts(Decimal("0.335"), Decimal("3.00"), Decimal("19"), "USD") for _ in range(3)
    ]
    totals = invoice_totals(lines)
    # Rounding the unrounded sum (1.005 * 3 = 3.015 -> 3.02) would differ: lines win.
    assert (totals.subtotal, totals.tax_total, totals.total) == (
        Decimal("3.03"),
        Decimal("0.57"),
        Decimal("3.60"),
    )


def test_no_lines_make_zero() -> None:
    assert invoice_totals([]).total == Decimal("0.00")


def test_amounts_beyond_the_columns_are_refused() -> None:
    with pytest.raises(AmountTooLarge):
        line_amounts(Decimal("2"), Decimal("999999999999.99"), Decimal("0"), "USD")
    big = LineAmounts(Decimal("999999999999.99"), Decimal("0.00"), Decimal("999999999999.99"))
    with pytest.raises(AmountTooLarge):
        invoice_totals([big, big])
