"""Amounts in each currency's minor unit (ISO 4217): whole yen, cents; 3-decimal currencies
refused, as the money columns keep 2 decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from atlas.finance.money import line_amounts
from atlas.web.formats import money
from tests.factories import Actor, Factory
from tests.finance.books import entry_of, lines_of
from tests.finance.helpers import issue, line, new_customer, new_invoice
from tests.ledger.journal_helpers import accounts, rent
from tests.sql import Sql


def _owner_and_workspace(factory: Factory) -> tuple[Actor, dict[str, Any]]:
    owner = factory.user()
    return owner, factory.workspace(owner)


def _only_error(resp: Any, code: str, field: str, message: str) -> None:
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == code
    assert [(d["field"], d["message"]) for d in error["details"]] == [(field, message)]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("JPY", ("999", "100", "1099")),  # 99.9 yen of tax rounds up to 100
        ("USD", ("999.00", "99.90", "1098.90")),
    ],
)
def test_line_amounts_round_to_the_currencys_minor_unit(
    currency: str, expected: tuple[str, ...]
) -> None:
    amounts = line_amounts(Decimal("3"), Decimal("333"), Decimal("10"), currency)
    assert (str(amounts.subtotal), str(amounts.tax), str(amounts.total)) == expected


def test_half_a_yen_rounds_up() -> None:
    amounts = line_amounts(Decimal("1"), Decimal("105"), Decimal("10"), "JPY")
    assert (amounts.tax, amounts.total) == (Decimal("11"), Decimal("116"))  # 10.5 -> 11


def test_a_jpy_invoice_rounds_tax_to_whole_yen_and_posts_a_balanced_entry(
    factory: Factory, sql: Sql
) -> None:
    owner, ws = _owner_and_workspace(factory)
    customer = new_customer(owner, ws, currency="JPY")
    draft = new_invoice(
        owner,
        ws,
        customer,
        issue_date="2026-03-02",
        lines=[line("3", "333", "10"), line("1.5", "105", "8")],
    )
    # 999 + 99.9 -> 100; 157.5 -> 158, 158 * 8 % = 12.64 -> 13
    assert [(x["subtotal"], x["tax"], x["total"]) for x in draft["lines"]] == [
        ("999.00", "100.00", "1099.00"),
        ("158.00", "13.00", "171.00"),
    ]
    assert (draft["subtotal"], draft["tax_total"], draft["total"]) == (
        "1157.00",
        "113.00",
        "1270.00",
    )
    invoice = issue(owner, ws, draft)
    entry = entry_of(sql, ws, "invoice", invoice["id"])
    assert entry["currency"] == "JPY"
    posted = lines_of(sql, ws, entry)
    assert posted == [
        ("1200", "1270.00", "0.00", customer["id"]),
        ("4100", "0.00", "1157.00", None),
        ("2200", "0.00", "113.00", None),
    ]
    assert sum(Decimal(p[1]) for p in posted) == sum(Decimal(p[2]) for p in posted)


def test_a_usd_invoice_keeps_rounding_to_the_cent(factory: Factory) -> None:
    owner, ws = _owner_and_workspace(factory)
    customer = new_customer(owner, ws, currency="USD")
    draft = new_invoice(owner, ws, customer, lines=[line("0.335", "3.00", "19")])
    assert (draft["subtotal"], draft["tax_total"], draft["total"]) == ("1.01", "0.19", "1.20")


def test_a_jpy_unit_price_with_decimals_is_refused_with_its_path(factory: Factory) -> None:
    owner, ws = _owner_and_workspace(factory)
    customer = new_customer(owner, ws, currency="JPY")
    body = {"customer_id": customer["id"], "lines": [line("1", "100"), line("1", "100.50")]}
    resp = owner.post("/api/v1/invoices", ws=ws, json=body)
    _only_error(resp, "currency_decimals", "lines.1.unit_price", "JPY amounts have no decimals")
    assert resp.json()["error"]["message"] == "lines.1.unit_price: JPY amounts have no decimals."
    # Trailing zeros are no decimals: 100.00 yen is 100 yen.
    assert new_invoice(owner, ws, customer, lines=[line("1", "100.00")])["total"] == "100.00"


def test_the_invoice_currency_named_on_the_invoice_decides(factory: Factory) -> None:
    owner, ws = _owner_and_workspace(factory)
    customer = new_customer(owner, ws, currency="USD")
    body = {"customer_id": customer["id"], "currency": "JPY", "lines": [line("1", "9.99")]}
    resp = owner.post("/api/v1/invoices", ws=ws, json=body)
    _only_error(resp, "currency_decimals", "lines.0.unit_price", "JPY amounts have no decimals")
    draft = new_invoice(owner, ws, customer, lines=[line("1", "9.99")])
    changed = owner.patch(f"/api/v1/invoices/{draft['id']}", ws=ws, json={"currency": "JPY"})
    _only_error(changed, "currency_decimals", "lines.0.unit_price", "JPY amounts have no decimals")
    whole = new_invoice(owner, ws, customer, lines=[line("1", "10.00", "5")])
    moved = owner.patch(f"/api/v1/invoices/{whole['id']}", ws=ws, json={"currency": "JPY"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["currency"], moved.json()["tax_total"]) == ("JPY", "1.00")  # 0.5 -> 1


def test_a_jpy_payment_with_decimals_is_refused(factory: Factory) -> None:
    owner, ws = _owner_and_workspace(factory)
    customer = new_customer(owner, ws, currency="JPY")
    invoice = issue(owner, ws, new_invoice(owner, ws, customer, lines=[line("1", "1000")]))
    url = f"/api/v1/invoices/{invoice['id']}/payments"
    resp = owner.post(url, ws=ws, json={"amount": "10.5"})
    _only_error(resp, "currency_decimals", "amount", "JPY amounts have no decimals")
    assert owner.post(url, ws=ws, json={"amount": "10"}).status_code == 201


def test_a_jpy_manual_entry_with_decimals_is_refused(factory: Factory, sql: Sql) -> None:
    owner, ws = _owner_and_workspace(factory)
    codes = accounts(sql, ws)
    resp = owner.post(
        "/api/v1/journal-entries", ws=ws, json=rent(codes, amount="100.25", currency="JPY")
    )
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "currency_decimals"
    assert [(d["field"], d["message"]) for d in error["details"]] == [
        ("lines.0.debit", "JPY amounts have no decimals"),
        ("lines.1.credit", "JPY amounts have no decimals"),
    ]
    ok = owner.post("/api/v1/journal-entries", ws=ws, json=rent(codes, "100", currency="JPY"))
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("currency", ["KWD", "BHD", "JOD", "OMR", "TND"])
def test_three_decimal_currencies_are_refused(factory: Factory, currency: str) -> None:
    owner, ws = _owner_and_workspace(factory)
    resp = owner.post("/api/v1/customers", ws=ws, json={"name": "Gulf", "currency": currency})
    assert resp.status_code == 422, resp.text
    [detail] = resp.json()["error"]["details"]
    assert detail["field"] == "body.currency"
    assert detail["message"].endswith(
        f"{currency} amounts have 3 decimals; amounts are kept to 2, so {currency} is not supported"
    )


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("1234", "JPY", "¥1,234"),
        ("1234.00", "JPY", "¥1,234"),
        ("1234.5", "USD", "$1,234.50"),
        ("1.5", "KWD", "KWD1.500"),
        ("1234.5", None, "1,234.50"),
    ],
)
def test_money_shows_the_currencys_decimals(value: str, currency: str | None, shown: str) -> None:
    assert money(Decimal(value), currency) == shown
