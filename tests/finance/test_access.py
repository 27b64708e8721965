"""The five cases of every finance endpoint, over real HTTP.

Anonymous -> 401; a signed-in non-member naming the workspace -> 404; an id of another
workspace -> 404 with both workspaces' rows unchanged; a role without the permission
-> 403 with nothing changed; the lowest role with the permission -> success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.factories import Factory
from tests.finance.helpers import Tenant, issue, line, new_invoice, new_tenant, snapshot


@dataclass
class PayingTenant(Tenant):
    """A tenant whose third invoice has a payment and a credit note."""

    paid: dict[str, Any]
    payment: dict[str, Any]
    credit_note: dict[str, Any]


def _paying(tenant: Tenant) -> PayingTenant:
    owner, ws = tenant.owner, tenant.ws
    paid = issue(owner, ws, new_invoice(owner, ws, tenant.customer))
    url = f"/api/v1/invoices/{paid['id']}"
    payment = owner.post(f"{url}/payments", ws=ws, json={"amount": "10.00"}).json()
    note = owner.post(
        f"{url}/credit-notes", ws=ws, json={"reason": "Discount", "lines": [line("1", "5.00")]}
    ).json()
    return PayingTenant(**vars(tenant), paid=paid, payment=payment, credit_note=note)


@pytest.fixture
def tenant_a(factory: Factory) -> PayingTenant:
    return _paying(new_tenant(factory))


@pytest.fixture
def tenant_b(factory: Factory) -> PayingTenant:
    return _paying(new_tenant(factory))


Body = Callable[[PayingTenant], dict[str, Any]] | None


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    body: Body = None
    denied: tuple[str, ...] = ()
    success: int = 200

    def url(self, tenant: PayingTenant) -> str:
        return self.path.format(
            customer=tenant.customer["id"],
            spare=tenant.spare_customer["id"],
            draft=tenant.draft["id"],
            issued=tenant.issued["id"],
            paid=tenant.paid["id"],
            payment=tenant.payment["id"],
            credit_note=tenant.credit_note["id"],
        )

    def json(self, tenant: PayingTenant) -> dict[str, Any] | None:
        return self.body(tenant) if self.body else None


MANAGERS = ("viewer", "member")
ENDPOINTS = [
    Endpoint("POST", "/api/v1/customers", lambda t: {"name": "New customer"}, MANAGERS, 201),
    Endpoint("GET", "/api/v1/customers"),
    Endpoint("GET", "/api/v1/customers/{customer}"),
    Endpoint("PATCH", "/api/v1/customers/{customer}", lambda t: {"tax_id": "DE1"}, MANAGERS),
    Endpoint("DELETE", "/api/v1/customers/{spare}", None, MANAGERS, 204),
    Endpoint(
        "POST",
        "/api/v1/invoices",
        lambda t: {"customer_id": t.customer["id"], "lines": [line("2", "5.00")]},
        MANAGERS,
        201,
    ),
    Endpoint(
        "POST",
        "/api/v1/invoices/from-time",
        lambda t: {
            "customer_id": t.customer["id"],
            "project_id": t.project["id"],
            "from": "2026-03-01",
            "to": "2026-03-31",
        },
        MANAGERS,
        201,
    ),
    Endpoint("GET", "/api/v1/invoices"),
    Endpoint("GET", "/api/v1/invoices/{draft}"),
    Endpoint("PATCH", "/api/v1/invoices/{draft}", lambda t: {"notes": "Thanks"}, MANAGERS),
    Endpoint("DELETE", "/api/v1/invoices/{draft}", None, MANAGERS, 204),
    Endpoint("POST", "/api/v1/invoices/{draft}/issue", None, MANAGERS),
    Endpoint("POST", "/api/v1/invoices/{issued}/void", None, MANAGERS),
    Endpoint(
        "POST", "/api/v1/invoices/{issued}/payments", lambda t: {"amount": "10.00"}, MANAGERS, 201
    ),
    Endpoint("GET", "/api/v1/invoices/{issued}/payments"),
    Endpoint(
        "POST",
        "/api/v1/invoices/{paid}/payments/{payment}/reverse",
        lambda t: {"reversed_on": None},
        MANAGERS,
    ),
    Endpoint(
        "POST",
        "/api/v1/invoices/{issued}/credit-notes",
        lambda t: {"reason": "Discount", "lines": [line("1", "5.00")]},
        MANAGERS,
        201,
    ),
    Endpoint("GET", "/api/v1/invoices/{issued}/pdf"),
    Endpoint(
        "POST", "/api/v1/invoices/{issued}/send", lambda t: {"to": "ap@example.com"}, MANAGERS, 201
    ),
    Endpoint("GET", "/api/v1/credit-notes"),
    Endpoint("GET", "/api/v1/credit-notes/{credit_note}"),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)


def test_foreign_references_in_bodies_are_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """A customer or project of another workspace named in a body: 422, and nothing is
    written."""
    owner, ws = tenant_a.owner, tenant_a.ws
    invoice = owner.post(
        "/api/v1/invoices", ws=ws, json={"customer_id": tenant_b.customer["id"], "lines": []}
    )
    assert (invoice.status_code, invoice.json()["error"]["code"]) == (422, "customer_not_found")
    moved = owner.patch(
        f"/api/v1/invoices/{tenant_a.draft['id']}",
        ws=ws,
        json={"customer_id": tenant_b.customer["id"]},
    )
    assert (moved.status_code, moved.json()["error"]["code"]) == (422, "customer_not_found")
    from_time = owner.post(
        "/api/v1/invoices/from-time",
        ws=ws,
        json={
            "customer_id": tenant_a.customer["id"],
            "project_id": tenant_b.project["id"],
            "from": "2026-03-01",
            "to": "2026-03-31",
        },
    )
    assert (from_time.status_code, from_time.json()["error"]["code"]) == (
        422,
        "project_not_found",
    )
