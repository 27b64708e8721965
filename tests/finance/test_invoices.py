"""Invoices: server-side totals, the draft lifecycle, issuing, voiding and the list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from atlas.finance.schemas import MAX_LINES
from tests.factories import Factory
from tests.finance.helpers import (
    Tenant,
    issue,
    line,
    new_customer,
    new_invoice,
    today_utc,
)


def _amounts(invoice: dict[str, Any]) -> tuple[str, str, str]:
    return invoice["subtotal"], invoice["tax_total"], invoice["total"]


def test_totals_round_half_up_per_line(tenant_a: Tenant) -> None:
    invoice = new_invoice(
        tenant_a.owner,
        tenant_a.ws,
        tenant_a.customer,
        lines=[line("0.335", "3.00", "19")],
    )
    assert invoice["lines"][0]["subtotal"] == "1.01"
    assert invoice["lines"][0]["tax"] == "0.19"
    assert invoice["lines"][0]["total"] == "1.20"
    assert _amounts(invoice) == ("1.01", "0.19", "1.20")
    assert invoice["balance"] == "1.20"
    assert (invoice["status"], invoice["number"], invoice["overdue"]) == ("draft", None, False)


def test_many_lines_with_mixed_tax_rates(tenant_a: Tenant) -> None:
    lines = [
        line("0.335", "3.00", "19"),  # 1.01 + 0.19
        line("3", "0.33", "7"),  # 0.99 + 0.07 (0.0693)
        line("1.5", "19.99", "19"),  # 29.985 -> 29.99 + 5.70 (5.6981)
        line("12", "0.07", "0"),  # 0.84 + 0.00
        line("2.125", "10.00", "12.5"),  # 21.25 + 2.66 (2.65625)
        line("1", "0.05", "10"),  # 0.05 + 0.01 (0.005)
    ] + [line("0.001", "5.00", "19")] * 30  # 0.005 -> 0.01 + 0.00 (0.0019), thirty times
    invoice = new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, lines=lines)
    assert [(ln["subtotal"], ln["tax"], ln["total"]) for ln in invoice["lines"][:6]] == [
        ("1.01", "0.19", "1.20"),
        ("0.99", "0.07", "1.06"),
        ("29.99", "5.70", "35.69"),
        ("0.84", "0.00", "0.84"),
        ("21.25", "2.66", "23.91"),
        ("0.05", "0.01", "0.06"),
    ]
    assert [ln["position"] for ln in invoice["lines"]] == list(range(1, 37))
    subtotal = Decimal("1.01") + Decimal("0.99") + Decimal("29.99") + Decimal("0.84")
    subtotal += Decimal("21.25") + Decimal("0.05") + Decimal("0.30")
    tax = Decimal("0.19") + Decimal("0.07") + Decimal("5.70") + Decimal("2.66") + Decimal("0.01")
    assert _amounts(invoice) == (str(subtotal), str(tax), str(subtotal + tax))
    assert _amounts(invoice) == ("54.43", "8.63", "63.06")
    stored = tenant_a.owner.get(f"/api/v1/invoices/{invoice['id']}", ws=tenant_a.ws).json()
    assert stored == invoice


def test_the_most_lines_an_invoice_takes_are_all_stored_in_order(tenant_a: Tenant) -> None:
    # MAX_LINES lines are written a hundred a statement: every chunk lands, in order.
    lines = [line("1", f"{n}.00", text=f"Line {n}") for n in range(1, MAX_LINES + 1)]
    invoice = new_invoice(tenant_a.owner, tenant_a.ws, tenant_a.customer, lines=lines)
    stored = tenant_a.owner.get(f"/api/v1/invoices/{invoice['id']}", ws=tenant_a.ws).json()
    assert [(ln["position"], ln["description"]) for ln in stored["lines"]] == [
        (n, f"Line {n}") for n in range(1, MAX_LINES + 1)
    ]
    assert stored["subtotal"] == f"{MAX_LINES * (MAX_LINES + 1) // 2}.00"
    assert stored == invoice


def test_money_is_validated(tenant_a: Tenant) -> None:
    owner, ws, customer = tenant_a.owner, tenant_a.ws, tenant_a.customer
    bad = owner.post(
        "/api/v1/invoices",
        ws=ws,
        json={
            "customer_id": customer["id"],
            "lines": [
                line("0", "1.00"),
                line("1", "0.001"),
                line("1", "1.00", "100.5"),
                line("1", "-1.00"),
            ],
        },
    )
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {
        "body.lines.0.quantity",
        "body.lines.1.unit_price",
        "body.lines.2.tax_rate",
        "body.lines.3.unit_price",
    }
    huge = owner.post(
        "/api/v1/invoices",
        ws=ws,
        json={"customer_id": customer["id"], "lines": [line("1000", "999999999999.99")]},
    )
    assert huge.status_code == 422
    assert huge.json()["error"]["details"][0]["field"] == "lines.0"


def test_currency_defaults_to_the_customers(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    customer = new_customer(owner, ws, currency="CHF")
    assert new_invoice(owner, ws, customer)["currency"] == "CHF"
    assert new_invoice(owner, ws, customer, currency="eur")["currency"] == "EUR"


def test_a_draft_is_edited_and_its_lines_replaced(tenant_a: Tenant) -> None:
    owner, ws, draft = tenant_a.owner, tenant_a.ws, tenant_a.draft
    resp = owner.patch(
        f"/api/v1/invoices/{draft['id']}",
        ws=ws,
        json={
            "notes": "Net 30",
            "customer_id": tenant_a.spare_customer["id"],
            "lines": [line("2", "10.00", "20"), line("1", "5.00")],
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["notes"] == "Net 30"
    assert body["customer_name"] == tenant_a.spare_customer["name"]
    assert [ln["position"] for ln in body["lines"]] == [1, 2]
    assert _amounts(body) == ("25.00", "4.00", "29.00")
    notes_only = owner.patch(f"/api/v1/invoices/{draft['id']}", ws=ws, json={"notes": "x"})
    assert _amounts(notes_only.json()) == ("25.00", "4.00", "29.00")
    emptied = owner.patch(f"/api/v1/invoices/{draft['id']}", ws=ws, json={"lines": []})
    assert (emptied.json()["lines"], emptied.json()["total"]) == ([], "0.00")
    dates = owner.patch(
        f"/api/v1/invoices/{draft['id']}",
        ws=ws,
        json={"issue_date": "2026-05-10", "due_date": "2026-05-01"},
    )
    assert dates.status_code == 422
    assert dates.json()["error"]["details"][0]["field"] == "due_date"


def test_issued_invoices_are_not_editable(tenant_a: Tenant) -> None:
    owner, ws, issued = tenant_a.owner, tenant_a.ws, tenant_a.issued
    for resp in (
        owner.patch(f"/api/v1/invoices/{issued['id']}", ws=ws, json={"notes": "late edit"}),
        owner.delete(f"/api/v1/invoices/{issued['id']}", ws=ws),
    ):
        assert resp.status_code == 409
        assert resp.json()["error"]["code"] == "invoice_not_editable"
    again = owner.post(f"/api/v1/invoices/{issued['id']}/issue", ws=ws)
    assert again.status_code == 409
    assert owner.get(f"/api/v1/invoices/{issued['id']}", ws=ws).json() == issued


def test_issue_dates_and_numbers_the_draft(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    customer = new_customer(owner, ws, payment_terms_days=14)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    today = today_utc()
    assert issued["status"] == "issued"
    assert issued["issue_date"] == today.isoformat()
    assert issued["due_date"] == (today + timedelta(days=14)).isoformat()
    assert issued["issued_at"] is not None
    # The tenant's fixture issued the first invoice of the year.
    assert tenant_a.issued["number"] == f"INV-{today.year}-0001"
    assert issued["number"] == f"INV-{today.year}-0002"
    dated = issue(
        owner,
        ws,
        new_invoice(owner, ws, customer, issue_date="2025-12-31", due_date="2026-02-01"),
    )
    assert (dated["number"], dated["issue_date"], dated["due_date"]) == (
        "INV-2025-0001",
        "2025-12-31",
        "2026-02-01",
    )


def test_an_empty_draft_cannot_be_issued(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    empty = new_invoice(owner, ws, tenant_a.customer, lines=[])
    resp = owner.post(f"/api/v1/invoices/{empty['id']}/issue", ws=ws)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "invoice_empty"


def test_a_failed_issue_gives_its_number_back(tenant_a: Tenant) -> None:
    """The issue fails on the dates check after taking the number: the rollback returns it."""
    owner, ws = tenant_a.owner, tenant_a.ws
    year = today_utc().year
    past_due = (today_utc() - timedelta(days=3)).isoformat()
    broken = new_invoice(owner, ws, tenant_a.customer, due_date=past_due)
    failed = owner.post(f"/api/v1/invoices/{broken['id']}/issue", ws=ws)
    assert failed.status_code == 422
    assert failed.json()["error"]["details"][0]["field"] == "due_date"
    draft = owner.get(f"/api/v1/invoices/{broken['id']}", ws=ws).json()
    assert (draft["status"], draft["number"], draft["issue_date"]) == ("draft", None, None)
    assert issue(owner, ws, tenant_a.draft)["number"] == f"INV-{year}-0002"


def test_void_keeps_the_number(tenant_a: Tenant) -> None:
    owner, ws, issued = tenant_a.owner, tenant_a.ws, tenant_a.issued
    voided = owner.post(f"/api/v1/invoices/{issued['id']}/void", ws=ws)
    assert voided.status_code == 200
    body = voided.json()
    assert (body["status"], body["number"]) == ("void", issued["number"])
    assert body["voided_at"] is not None
    # Voiding credits the whole invoice (tests/finance/test_credit_notes.py).
    assert (body["amount_credited"], body["balance"]) == (issued["total"], "0.00")
    twice = owner.post(f"/api/v1/invoices/{issued['id']}/void", ws=ws)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invoice_not_voidable")
    draft = owner.post(f"/api/v1/invoices/{tenant_a.draft['id']}/void", ws=ws)
    assert draft.status_code == 409
    payment = owner.post(f"/api/v1/invoices/{issued['id']}/payments", ws=ws, json={"amount": "1"})
    assert (payment.status_code, payment.json()["error"]["code"]) == (409, "invoice_not_payable")


def test_paid_and_partly_paid_invoices_cannot_be_voided(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    partly = tenant_a.issued
    paid = issue(owner, ws, tenant_a.draft)
    for invoice, amount in ((partly, "40.00"), (paid, "100.00")):
        resp = owner.post(
            f"/api/v1/invoices/{invoice['id']}/payments", ws=ws, json={"amount": amount}
        )
        assert resp.status_code == 201
    refused_partly = owner.post(f"/api/v1/invoices/{partly['id']}/void", ws=ws)
    assert (refused_partly.status_code, refused_partly.json()["error"]["code"]) == (
        409,
        "invoice_has_payments",
    )
    refused_paid = owner.post(f"/api/v1/invoices/{paid['id']}/void", ws=ws)
    assert (refused_paid.status_code, refused_paid.json()["error"]["code"]) == (
        409,
        "invoice_not_voidable",
    )


def test_delete_a_draft(tenant_a: Tenant) -> None:
    owner, ws, draft = tenant_a.owner, tenant_a.ws, tenant_a.draft
    assert owner.delete(f"/api/v1/invoices/{draft['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/invoices/{draft['id']}", ws=ws).status_code == 404
    lines = tenant_a.owner.get("/api/v1/invoices", ws=ws).json()["items"]
    assert [i["id"] for i in lines] == [tenant_a.issued["id"]]


def test_overdue_is_derived(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, name="Late Payer")
    today = today_utc()
    past = {"issue_date": (today - timedelta(days=40)).isoformat()}
    late = issue(
        owner,
        ws,
        new_invoice(owner, ws, customer, **past, due_date=(today - timedelta(1)).isoformat()),
    )
    due_today = issue(
        owner, ws, new_invoice(owner, ws, customer, **past, due_date=today.isoformat())
    )
    settled = issue(
        owner,
        ws,
        new_invoice(owner, ws, customer, **past, due_date=(today - timedelta(5)).isoformat()),
    )
    owner.post(f"/api/v1/invoices/{settled['id']}/payments", ws=ws, json={"amount": "100"})
    assert (late["overdue"], due_today["overdue"]) == (True, False)
    assert owner.get(f"/api/v1/invoices/{settled['id']}", ws=ws).json()["overdue"] is False
    listed = owner.get("/api/v1/invoices", ws=ws, params={"status": "overdue"}).json()
    assert [i["id"] for i in listed["items"]] == [late["id"]]
    assert listed["items"][0]["overdue"] is True
    mixed = owner.get("/api/v1/invoices", ws=ws, params={"status": "overdue,paid"}).json()
    assert {i["id"] for i in mixed["items"]} == {late["id"], settled["id"]}


def test_list_filters_and_sorts(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    acme = new_customer(owner, ws, name="Acme Corp")
    zenith = new_customer(owner, ws, name="Zenith")
    first = issue(owner, ws, new_invoice(owner, ws, acme, lines=[line("1", "10.00")]))
    second = issue(owner, ws, new_invoice(owner, ws, zenith, lines=[line("1", "30.00")]))
    draft = new_invoice(owner, ws, acme, lines=[line("1", "20.00")])

    def ids(**params: Any) -> list[str]:
        resp = owner.get("/api/v1/invoices", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return [i["id"] for i in resp.json()["items"]]

    assert ids() == [draft["id"], second["id"], first["id"]]  # newest first
    assert ids(status="draft") == [draft["id"]]
    assert ids(status=["issued", "draft"], sort="total") == [first["id"], draft["id"], second["id"]]
    assert ids(customer_id=acme["id"], sort="created_at") == [first["id"], draft["id"]]
    assert ids(q="acme", sort="-total") == [draft["id"], first["id"]]
    assert ids(q=second["number"]) == [second["id"]]
    assert ids(sort="customer,number") == [first["id"], draft["id"], second["id"]]
    page = owner.get("/api/v1/invoices", ws=ws, params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [i["id"] for i in page["items"]]) == (3, [second["id"]])
    assert "lines" not in page["items"][0]
    bad = owner.get("/api/v1/invoices", ws=ws, params={"status": "late"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "status"


def test_issue_date_year_decides_the_counter(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    numbers = [
        issue(owner, ws, new_invoice(owner, ws, tenant_a.customer, issue_date=d))["number"]
        for d in ("2024-06-01", "2024-07-01", "2023-01-01")
    ]
    assert numbers == ["INV-2024-0001", "INV-2024-0002", "INV-2023-0001"]
    assert date.fromisoformat(tenant_a.issued["issue_date"]) == today_utc()
