"""Customers: defaults, unique names, validation, search, deletion rules."""

from __future__ import annotations

from tests.factories import Factory
from tests.finance.helpers import Tenant, new_customer, new_invoice


def test_defaults_come_from_the_workspace(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.sql.owner(
        "UPDATE workspaces SET base_currency = 'EUR' WHERE id = %s", ws["id"], workspace=ws["id"]
    )
    customer = new_customer(owner, ws, name="Acme", email="billing@acme.example.com")
    assert customer["currency"] == "EUR"
    assert customer["payment_terms_days"] == 30
    assert customer["billing_address"] == ""
    assert customer["tax_id"] is None
    got = owner.get(f"/api/v1/customers/{customer['id']}", ws=ws)
    assert got.json() == customer


def test_names_are_unique_per_workspace(factory: Factory, tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    taken = owner.post("/api/v1/customers", ws=ws, json={"name": tenant_a.customer["name"]})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "customer_name_taken"
    renamed = owner.patch(
        f"/api/v1/customers/{tenant_a.spare_customer['id']}",
        ws=ws,
        json={"name": tenant_a.customer["name"]},
    )
    assert renamed.status_code == 409
    # Another workspace may use the same name.
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    assert new_customer(other_owner, other, name=tenant_a.customer["name"])["name"]


def test_invalid_fields_are_listed(tenant_a: Tenant) -> None:
    resp = tenant_a.owner.post(
        "/api/v1/customers",
        ws=tenant_a.ws,
        json={"name": " ", "email": "nope", "currency": "euro", "payment_terms_days": 366},
    )
    assert resp.status_code == 422
    fields = {d["field"] for d in resp.json()["error"]["details"]}
    assert fields == {
        "body.name",
        "body.email",
        "body.currency",
        "body.payment_terms_days",
    }


def test_update_changes_only_the_fields_sent(tenant_a: Tenant) -> None:
    owner, ws, customer = tenant_a.owner, tenant_a.ws, tenant_a.customer
    resp = owner.patch(
        f"/api/v1/customers/{customer['id']}",
        ws=ws,
        json={"payment_terms_days": 14, "currency": "gbp", "email": None},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert (body["payment_terms_days"], body["currency"], body["email"]) == (14, "GBP", None)
    assert body["name"] == customer["name"]
    nulled = owner.patch(f"/api/v1/customers/{customer['id']}", ws=ws, json={"name": None})
    assert nulled.status_code == 422


def test_list_searches_and_sorts(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for name in ("Zeta GmbH", "alpha ltd", "Beta SA"):
        new_customer(owner, ws, name=name)
    page = owner.get("/api/v1/customers", ws=ws).json()
    assert [c["name"] for c in page["items"]] == ["alpha ltd", "Beta SA", "Zeta GmbH"]
    assert page["total"] == 3
    desc = owner.get("/api/v1/customers", ws=ws, params={"sort": "-name", "limit": 2}).json()
    assert [c["name"] for c in desc["items"]] == ["Zeta GmbH", "Beta SA"]
    assert desc["total"] == 3
    found = owner.get("/api/v1/customers", ws=ws, params={"q": "ETA"}).json()
    assert [c["name"] for c in found["items"]] == ["Beta SA", "Zeta GmbH"]
    bad = owner.get("/api/v1/customers", ws=ws, params={"sort": "email"})
    assert bad.status_code == 422


def test_a_customer_with_invoices_cannot_be_deleted(tenant_a: Tenant) -> None:
    owner, ws = tenant_a.owner, tenant_a.ws
    refused = owner.delete(f"/api/v1/customers/{tenant_a.customer['id']}", ws=ws)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "customer_has_invoices"
    new_invoice(owner, ws, tenant_a.spare_customer)
    again = owner.delete(f"/api/v1/customers/{tenant_a.spare_customer['id']}", ws=ws)
    assert again.status_code == 409


def test_delete_then_not_found(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws)
    assert owner.delete(f"/api/v1/customers/{customer['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/customers/{customer['id']}", ws=ws).status_code == 404
    assert owner.delete(f"/api/v1/customers/{customer['id']}", ws=ws).status_code == 404
