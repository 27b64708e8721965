"""The invoice rules written once: when an invoice is overdue and what its status allows.
(tests/web/test_invoice_rules.py proves the SQL form of "overdue" agrees with this one.)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from atlas.finance.service import InvoiceAction, allowed_actions, balance, is_overdue

DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("status", "due_date", "amount_paid", "amount_credited", "overdue"),
    [
        ("issued", DAY, Decimal("0"), Decimal("0"), False),  # due today: not yet
        ("issued", DAY - timedelta(days=1), Decimal("0"), Decimal("0"), True),
        ("issued", DAY - timedelta(days=1), Decimal("99.99"), Decimal("0"), True),  # partly paid
        ("issued", DAY - timedelta(days=1), Decimal("60"), Decimal("39.99"), True),
        ("issued", None, Decimal("0"), Decimal("0"), False),
        ("paid", DAY - timedelta(days=30), Decimal("100"), Decimal("0"), False),
        ("paid", DAY - timedelta(days=30), Decimal("40"), Decimal("60"), False),
        ("void", DAY - timedelta(days=30), Decimal("0"), Decimal("100"), False),
        ("draft", DAY - timedelta(days=30), Decimal("0"), Decimal("0"), False),
    ],
)
def test_overdue_is_issued_unsettled_and_past_its_due_date(
    status: str,
    due_date: date | None,
    amount_paid: Decimal,
    amount_credited: Decimal,
    overdue: bool,
) -> None:
    found = is_overdue(
        status=status,
        due_date=due_date,
        total=Decimal("100"),
        amount_paid=amount_paid,
        amount_credited=amount_credited,
        today=DAY,
    )
    assert found is overdue


def test_the_balance_is_what_neither_payments_nor_credit_notes_covered() -> None:
    left = balance(
        total=Decimal("100.00"), amount_paid=Decimal("30.10"), amount_credited=Decimal("20.00")
    )
    assert left == Decimal("49.90")


# What every issued or paid invoice allows: its PDF, and sending it.
DOCUMENT = (InvoiceAction.DOCUMENT, InvoiceAction.SEND)


@pytest.mark.parametrize(
    ("status", "amount_paid", "actions"),
    [
        ("draft", "0", {InvoiceAction.EDIT, InvoiceAction.DELETE, InvoiceAction.ISSUE}),
        (
            "issued",
            "0",
            {InvoiceAction.VOID, InvoiceAction.RECORD_PAYMENT, InvoiceAction.CREDIT, *DOCUMENT},
        ),
        ("issued", "0.01", {InvoiceAction.RECORD_PAYMENT, InvoiceAction.CREDIT, *DOCUMENT}),
        ("paid", "100", {InvoiceAction.CREDIT, *DOCUMENT}),
        ("void", "0", {InvoiceAction.DOCUMENT}),
    ],
)
def test_what_each_status_allows(status: str, amount_paid: str, actions: set[str]) -> None:
    assert allowed_actions(status=status, amount_paid=Decimal(amount_paid)) == actions
