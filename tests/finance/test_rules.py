"""The invoice rules written once: when an invoice is overdue and what its status allows.
(tests/web/test_invoice_rules.py proves the SQL form of "overdue" agrees with this one.)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from atlas.finance.service import InvoiceAction, allowed_actions, is_overdue

DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("status", "due_date", "amount_paid", "overdue"),
    [
        ("issued", DAY, Decimal("0"), False),  # due today: not yet
        ("issued", DAY - timedelta(days=1), Decimal("0"), True),
        ("issued", DAY - timedelta(days=1), Decimal("99.99"), True),  # partly paid
        ("issued", None, Decimal("0"), False),
        ("paid", DAY - timedelta(days=30), Decimal("100"), False),
        ("void", DAY - timedelta(days=30), Decimal("0"), False),
        ("draft", DAY - timedelta(days=30), Decimal("0"), False),
    ],
)
def test_overdue_is_issued_unpaid_and_past_its_due_date(
    status: str, due_date: date | None, amount_paid: Decimal, overdue: bool
) -> None:
    total = Decimal("100")
    found = is_overdue(
        status=status, due_date=due_date, total=total, amount_paid=amount_paid, today=DAY
    )
    assert found is overdue


@pytest.mark.parametrize(
    ("status", "amount_paid", "actions"),
    [
        ("draft", "0", {InvoiceAction.EDIT, InvoiceAction.DELETE, InvoiceAction.ISSUE}),
        ("issued", "0", {InvoiceAction.VOID, InvoiceAction.RECORD_PAYMENT}),
        ("issued", "0.01", {InvoiceAction.RECORD_PAYMENT}),
        ("paid", "100", set()),
        ("void", "0", set()),
    ],
)
def test_what_each_status_allows(status: str, amount_paid: str, actions: set[str]) -> None:
    assert allowed_actions(status=status, amount_paid=Decimal(amount_paid)) == actions
