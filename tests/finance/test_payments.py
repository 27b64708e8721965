"""Payments: partial, exact, overpayment refused, not before the issue date, paid status,
concurrent payers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from tests.access import error_code
from tests.finance.helpers import Tenant, issue, line, new_invoice, today_utc


def _pay(tenant: Tenant, invoice: dict[str, Any], amount: str, **fields: Any) -> httpx.Response:
    return tenant.owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        ws=tenant.ws,
        json={"amount": amount, **fields},
    )


def _get(tenant: Tenant, invoice: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = tenant.owner.get(
        f"/api/v1/invoices/{invoice['id']}", ws=tenant.ws
    ).json()
    return body


def test_partial_then_exact_payment_makes_it_paid(tenant_a: Tenant) -> None:
    invoice = issue(  # total 100.00
        tenant_a.owner,
        tenant_a.ws,
        new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, issue_date="2026-03-02"),
    )
    first = _pay(tenant_a, invoice, "30.10", paid_on="2026-04-01", method="card", reference="R1")
    assert first.status_code == 201, first.text
    assert first.json()["amount"] == "30.10"
    assert (first.json()["paid_on"], first.json()["method"]) == ("2026-04-01", "card")
    partly = _get(tenant_a, invoice)
    assert (partly["status"], partly["amount_paid"], partly["balance"]) == (
        "issued",
        "30.10",
        "69.90",
    )
    rest = _pay(tenant_a, invoice, "69.90", paid_on="2026-04-02")
    assert rest.status_code == 201
    paid = _get(tenant_a, invoice)
    assert (paid["status"], paid["amount_paid"], paid["balance"]) == ("paid", "100.00", "0.00")
    assert [p["amount"] for p in paid["payments"]] == ["30.10", "69.90"]
    listed = tenant_a.owner.get(f"/api/v1/invoices/{invoice['id']}/payments", ws=tenant_a.ws)
    assert listed.json() == paid["payments"]
    after = _pay(tenant_a, invoice, "0.01")
    assert (after.status_code, after.json()["error"]["code"]) == (409, "invoice_not_payable")


def test_overpayment_is_refused(tenant_a: Tenant) -> None:
    resp = _pay(tenant_a, tenant_a.issued, "100.01")
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "overpayment"
    assert resp.json()["error"]["details"][0]["field"] == "amount"
    invoice = _get(tenant_a, tenant_a.issued)
    assert (invoice["amount_paid"], invoice["payments"]) == ("0.00", [])


def test_amounts_must_be_positive_cents(tenant_a: Tenant) -> None:
    for amount in ("0", "-5", "1.001", "abc"):
        resp = _pay(tenant_a, tenant_a.issued, amount)
        assert resp.status_code == 422, amount
        assert resp.json()["error"]["details"][0]["field"] == "body.amount"
    bad_method = _pay(tenant_a, tenant_a.issued, "1", method="barter")
    assert bad_method.status_code == 422


def test_drafts_take_no_payments(tenant_a: Tenant) -> None:
    resp = _pay(tenant_a, tenant_a.draft, "1.00")
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "invoice_not_payable")


def test_paid_on_defaults_to_today(tenant_a: Tenant) -> None:
    resp = _pay(tenant_a, tenant_a.issued, "1")
    assert resp.json()["paid_on"] == _get(tenant_a, tenant_a.issued)["issue_date"]
    assert resp.json()["method"] == "bank_transfer"


def test_a_payment_is_not_dated_before_the_issue_date(tenant_a: Tenant) -> None:
    invoice = issue(
        tenant_a.owner,
        tenant_a.ws,
        new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, issue_date="2026-03-02"),
    )
    early = _pay(tenant_a, invoice, "10.00", paid_on="2026-03-01")
    assert (early.status_code, error_code(early)) == (422, "validation_error")
    assert early.json()["error"]["details"] == [
        {"field": "paid_on", "message": "must be on or after 2026-03-02"}
    ]
    assert (_get(tenant_a, invoice)["amount_paid"], _get(tenant_a, invoice)["payments"]) == (
        "0.00",
        [],
    )
    same_day = _pay(tenant_a, invoice, "10.00", paid_on="2026-03-02")
    assert (same_day.status_code, same_day.json()["paid_on"]) == (201, "2026-03-02")
    assert _get(tenant_a, invoice)["amount_paid"] == "10.00"


def test_an_invoice_dated_after_today_takes_no_payment_dated_today(tenant_a: Tenant) -> None:
    later = (today_utc() + timedelta(days=10)).isoformat()
    invoice = issue(
        tenant_a.owner,
        tenant_a.ws,
        new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, issue_date=later),
    )
    by_default = _pay(tenant_a, invoice, "10.00")
    assert (by_default.status_code, by_default.json()["error"]["details"][0]) == (
        422,
        {"field": "paid_on", "message": f"must be on or after {later}"},
    )
    on_issue = _pay(tenant_a, invoice, "10.00", paid_on=later)
    assert (on_issue.status_code, on_issue.json()["paid_on"]) == (201, later)


async def _pay_concurrently(
    base_url: str, tenant: Tenant, invoice_id: str, amounts: list[str]
) -> list[httpx.Response]:
    headers = {
        "Authorization": f"Bearer {tenant.owner.token}",
        "X-Workspace-Id": str(tenant.ws["id"]),
    }
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(f"/api/v1/invoices/{invoice_id}/payments", json={"amount": a})
                for a in amounts
            )
        )


def test_concurrent_payments_never_overpay(server: str, tenant_a: Tenant) -> None:
    invoice = issue(
        tenant_a.owner,
        tenant_a.ws,
        new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, lines=[line("1", "50.00")]),
    )
    responses = asyncio.run(_pay_concurrently(server, tenant_a, invoice["id"], ["10.00"] * 8))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 5 + [409, 409, 409]
    final = _get(tenant_a, invoice)
    assert (final["status"], final["amount_paid"], len(final["payments"])) == (
        "paid",
        "50.00",
        5,
    )
