"""The five cases of every report endpoint, over real HTTP: reports need `reports:read`
(admins and owners), and the general ledger of another workspace's account is not found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests import access
from tests.factories import Actor, Factory
from tests.sql import Sql

REPORT_TABLES = ("accounts", "ledgers", "journal_entries", "journal_lines", "invoices")


@dataclass
class Tenant:
    ws: dict[str, Any]
    owner: Actor
    account_id: uuid.UUID


def new_tenant(factory: Factory) -> Tenant:
    owner = factory.user()
    ws = factory.workspace(owner)
    (row,) = factory.sql.app(
        "SELECT id FROM accounts WHERE workspace_id = %s AND code = '1110'",
        ws["id"],
        workspace=ws["id"],
    )
    return Tenant(ws, owner, row["id"])


@pytest.fixture
def tenant_a(factory: Factory) -> Tenant:
    return new_tenant(factory)


@pytest.fixture
def tenant_b(factory: Factory) -> Tenant:
    return new_tenant(factory)


def snapshot(sql: Sql, ws: dict[str, Any]) -> access.Rows:
    return access.table_snapshot(sql, ws, REPORT_TABLES)


@dataclass(frozen=True)
class Endpoint(access.EndpointNames):
    method: str
    path: str
    denied: tuple[str, ...] = ("viewer", "member")
    success: int = 200

    def url(self, tenant: Tenant) -> str:
        return self.path.format(account=tenant.account_id)

    def json(self, tenant: Tenant) -> dict[str, Any] | None:
        return None


ENDPOINTS = [
    Endpoint("GET", "/api/v1/reports/trial-balance"),
    Endpoint("GET", "/api/v1/reports/profit-and-loss"),
    Endpoint("GET", "/api/v1/reports/balance-sheet"),
    Endpoint("GET", "/api/v1/reports/general-ledger?account_id={account}"),
    Endpoint("GET", "/api/v1/reports/receivables-aging"),
    Endpoint("GET", "/api/v1/reports/trial-balance?format=csv"),
]
(
    test_anonymous_gets_401,
    test_non_member_naming_the_workspace_gets_404,
    test_ids_of_another_workspace_are_not_found,
    test_role_without_the_permission_gets_403,
    test_lowest_role_with_the_permission_succeeds,
) = access.five_cases(ENDPOINTS, snapshot)
