"""The chart of accounts over real HTTP: the default chart, validation, parents, what
refuses a change or a deletion, the list and the tree, and the cap on accounts."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from atlas.db.ids import uuid7
from atlas.ledger.chart import DEFAULT_CHART
from atlas.ledger.service import MAX_ACCOUNTS
from atlas.ledger.tables import SystemRole
from tests.access import error_code, ids
from tests.concurrency import (
    assert_one_of_each_pair_refused,
    opposing_edits,
    rows_on_a_cycle,
    send_concurrently,
)
from tests.factories import Actor, Factory
from tests.finance.helpers import new_customer, new_invoice
from tests.ledger.accounts_helpers import chart, many_accounts, new_account, post_entry, snapshot
from tests.sql import Sql

ACCOUNTS = "/api/v1/accounts"
CODES = [a.code for a in DEFAULT_CHART]


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


def refused(resp: Any, status: int, code: str) -> dict[str, Any]:
    """The error of a refused request, checked for its status and code."""
    assert (resp.status_code, error_code(resp)) == (status, code), resp.text
    error: dict[str, Any] = resp.json()["error"]
    return error


# The default chart


def test_a_workspace_made_through_the_api_starts_with_the_default_chart(owner: Actor) -> None:
    resp = owner.post("/api/v1/workspaces", json={"name": f"Books {secrets.token_hex(3)}"})
    assert resp.status_code == 201, resp.text
    ws = resp.json()
    accounts = owner.get(ACCOUNTS, ws=ws, params={"limit": 200}).json()
    by_id = {a["id"]: a for a in accounts["items"]}
    got = [
        (
            a["code"],
            a["name"],
            a["type"],
            by_id[a["parent_id"]]["code"] if a["parent_id"] else None,
            a["is_group"],
            a["system_role"],
        )
        for a in accounts["items"]
    ]
    assert accounts["total"] == len(DEFAULT_CHART) == 36
    assert got == [tuple(a) for a in DEFAULT_CHART]
    assert {a["system_role"] for a in accounts["items"]} - {None} == set(SystemRole)
    assert all(a["is_active"] and a["currency"] is None for a in accounts["items"])
    books = owner.get("/api/v1/books", ws=ws).json()
    assert books == {"lock_date": None, "fiscal_year_start_month": 1, "base_currency": "USD"}


# Creating and reading


def test_create_an_account_under_a_group(owner: Actor, ws: dict[str, Any]) -> None:
    group = chart(owner, ws)["6000"]
    resp = owner.post(
        ACCOUNTS,
        ws=ws,
        json={
            "code": " 6950 ",
            "name": " Insurance ",
            "type": "expense",
            "parent_id": group["id"],
            "currency": "eur",
            "description": "Policies of the office",
        },
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "updated_at")} == {
        "code": "6950",
        "name": "Insurance",
        "type": "expense",
        "parent_id": group["id"],
        "is_group": False,
        "currency": "EUR",
        "is_active": True,
        "system_role": None,
        "description": "Policies of the office",
    }
    assert owner.get(f"{ACCOUNTS}/{created['id']}", ws=ws).json() == created
    missing = owner.get(f"{ACCOUNTS}/{uuid7()}", ws=ws)
    refused(missing, 404, "not_found")


BAD_FIELDS = [
    ({"code": ""}, "body.code", "string_too_short"),
    ({"code": "A" * 21}, "body.code", "string_too_long"),
    ({"code": "with space"}, "body.code", "value_error"),
    ({"code": "-7000"}, "body.code", "value_error"),
    ({"code": "70/00"}, "body.code", "value_error"),
    ({"name": "  "}, "body.name", "string_too_short"),
    ({"name": "N" * 201}, "body.name", "string_too_long"),
    ({"type": "revenue"}, "body.type", "enum"),
    ({"currency": "EURO"}, "body.currency", "value_error"),
    ({"currency": "E1R"}, "body.currency", "value_error"),
    ({"description": "d" * 2001}, "body.description", "string_too_long"),
    ({"system_role": "bank"}, "body.system_role", "extra_forbidden"),
]


@pytest.mark.parametrize(("fields", "field", "kind"), BAD_FIELDS, ids=[f[1] for f in BAD_FIELDS])
def test_invalid_fields_are_refused_with_their_path(
    sql: Sql, owner: Actor, ws: dict[str, Any], fields: dict[str, Any], field: str, kind: str
) -> None:
    before = snapshot(sql, ws)
    body = {"code": "7000", "name": "Other", "type": "expense", **fields}
    error = refused(owner.post(ACCOUNTS, ws=ws, json=body), 422, "validation_error")
    assert [(d["field"], d["type"]) for d in error["details"]] == [(field, kind)]
    account = chart(owner, ws)["6100"]
    error = refused(
        owner.patch(f"{ACCOUNTS}/{account['id']}", ws=ws, json=fields), 422, "validation_error"
    )
    assert [(d["field"], d["type"]) for d in error["details"]] == [(field, kind)]
    assert snapshot(sql, ws) == before


@pytest.mark.parametrize("field", ["code", "name", "type", "is_group", "is_active"])
def test_a_patch_does_not_null_a_required_field(
    owner: Actor, ws: dict[str, Any], field: str
) -> None:
    account = chart(owner, ws)["6100"]
    error = refused(
        owner.patch(f"{ACCOUNTS}/{account['id']}", ws=ws, json={field: None}),
        422,
        "validation_error",
    )
    assert [d["field"] for d in error["details"]] == [f"body.{field}"]


def test_codes_are_unique_per_workspace(factory: Factory, owner: Actor, ws: dict[str, Any]) -> None:
    new_account(owner, ws, code="7000")
    taken = owner.post(ACCOUNTS, ws=ws, json={"code": "7000", "name": "Two", "type": "income"})
    renamed = owner.patch(
        f"{ACCOUNTS}/{chart(owner, ws)['6100']['id']}", ws=ws, json={"code": "1110"}
    )
    for resp in (taken, renamed):
        error = refused(resp, 409, "account_code_taken")
        assert error["details"] == [{"field": "code", "message": "already taken in this workspace"}]
    assert new_account(owner, factory.workspace(owner), code="7000")["code"] == "7000"


# Parents


def test_a_parent_is_a_group_account_of_the_same_type(owner: Actor, ws: dict[str, Any]) -> None:
    accounts = chart(owner, ws)
    cases = [
        ({"parent_id": accounts["1110"]["id"]}, "account 1110 is not a group account"),
        (
            {"parent_id": accounts["6000"]["id"], "type": "income"},
            "account 6000 is of type expense, not income",
        ),
        ({"parent_id": str(uuid7())}, "not an account of this workspace"),
    ]
    for fields, detail in cases:
        body = {"code": "7000", "name": "Other", "type": "asset", **fields}
        error = refused(owner.post(ACCOUNTS, ws=ws, json=body), 422, "invalid_parent")
        assert error["details"] == [{"field": "parent_id", "message": detail}]
    equipment = f"{ACCOUNTS}/{accounts['1510']['id']}"
    error = refused(owner.patch(equipment, ws=ws, json={"type": "expense"}), 422, "invalid_parent")
    assert error["details"] == [
        {"field": "type", "message": "account 1500 is of type asset, not expense"}
    ]
    error = refused(
        owner.patch(equipment, ws=ws, json={"parent_id": accounts["5000"]["id"]}),
        422,
        "invalid_parent",
    )
    assert error["details"] == [
        {"field": "parent_id", "message": "account 5000 is of type expense, not asset"}
    ]
    rent = f"{ACCOUNTS}/{accounts['6200']['id']}"
    moved = owner.patch(rent, ws=ws, json={"parent_id": accounts["5000"]["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] == accounts["5000"]["id"]
    top = owner.patch(rent, ws=ws, json={"parent_id": None, "type": "asset"})
    assert (top.json()["parent_id"], top.json()["type"]) == (None, "asset")
    assert owner.get(equipment, ws=ws).json() == accounts["1510"]


def test_parent_cycles_are_refused(owner: Actor, ws: dict[str, Any]) -> None:
    top = new_account(owner, ws, is_group=True)
    middle = new_account(owner, ws, is_group=True, parent_id=top["id"])
    bottom = new_account(owner, ws, is_group=True, parent_id=middle["id"])
    url = f"{ACCOUNTS}/{top['id']}"
    for parent in (bottom, top):
        error = refused(
            owner.patch(url, ws=ws, json={"parent_id": parent["id"]}), 422, "invalid_parent"
        )
        assert error["details"] == [
            {"field": "parent_id", "message": "would create a cycle of accounts"}
        ]
    assert owner.get(url, ws=ws).json() == top


def test_concurrent_opposing_parents_leave_no_cycle(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    pairs = [
        (new_account(owner, ws, is_group=True)["id"], new_account(owner, ws, is_group=True)["id"])
        for _ in range(8)
    ]
    calls = opposing_edits(ACCOUNTS, "parent_id", pairs)
    responses = send_concurrently(factory.base_url, owner, ws, calls)
    assert rows_on_a_cycle(factory.sql, ws, "accounts", "parent_id") == []
    assert_one_of_each_pair_refused(responses, "invalid_parent")


# Changes and their refusals


def test_change_the_fields_of_an_account(owner: Actor, ws: dict[str, Any]) -> None:
    account = new_account(owner, ws, currency="EUR")
    url = f"{ACCOUNTS}/{account['id']}"
    changed = owner.patch(
        url,
        ws=ws,
        json={
            "code": "6450",
            "name": "Licences",
            "description": "Yearly",
            "is_active": False,
            "currency": None,
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["code"], body["name"], body["description"]) == ("6450", "Licences", "Yearly")
    assert (body["is_active"], body["currency"]) == (False, None)
    assert body["updated_at"] > account["updated_at"]
    assert owner.patch(url, ws=ws, json={}).json() == body
    grouped = owner.patch(url, ws=ws, json={"is_group": True, "type": "income"}).json()
    assert (grouped["is_group"], grouped["type"]) == (True, "income")
    refused(owner.patch(f"{ACCOUNTS}/{uuid7()}", ws=ws, json={"name": "X"}), 404, "not_found")


def test_an_account_with_postings_keeps_its_type_currency_and_kind(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    accounts = chart(owner, ws)
    services = accounts["4200"]
    post_entry(sql, ws, accounts["1110"]["id"], services["id"])
    url = f"{ACCOUNTS}/{services['id']}"
    for change in ({"is_group": True}, {"parent_id": None, "type": "expense"}, {"currency": "USD"}):
        refused(owner.patch(url, ws=ws, json=change), 409, "account_has_postings")
    refused(owner.delete(url, ws=ws), 409, "account_has_postings")
    assert owner.get(url, ws=ws).json() == services
    deactivated = owner.patch(url, ws=ws, json={"is_active": False, "name": "Old services"})
    assert (deactivated.json()["is_active"], deactivated.json()["name"]) == (False, "Old services")


def test_a_group_with_accounts_under_it_stays_a_group(owner: Actor, ws: dict[str, Any]) -> None:
    accounts = chart(owner, ws)
    current_assets = f"{ACCOUNTS}/{accounts['1100']['id']}"
    refused(
        owner.patch(current_assets, ws=ws, json={"is_group": False}), 409, "account_has_children"
    )
    assets = f"{ACCOUNTS}/{accounts['1000']['id']}"
    refused(owner.patch(assets, ws=ws, json={"type": "liability"}), 409, "account_has_children")
    refused(
        owner.delete(f"{ACCOUNTS}/{accounts['1500']['id']}", ws=ws), 409, "account_has_children"
    )
    assert chart(owner, ws) == accounts


def test_a_system_account_stays_an_active_ledger_account(owner: Actor, ws: dict[str, Any]) -> None:
    accounts = chart(owner, ws)
    bank = f"{ACCOUNTS}/{accounts['1110']['id']}"
    refused(owner.patch(bank, ws=ws, json={"is_active": False}), 409, "system_account")
    refused(owner.patch(bank, ws=ws, json={"is_group": True}), 409, "system_account")
    refused(owner.delete(bank, ws=ws), 409, "system_account")
    assert chart(owner, ws) == accounts
    renamed = owner.patch(bank, ws=ws, json={"name": "Main bank", "code": "1111"}).json()
    assert (renamed["name"], renamed["code"], renamed["system_role"]) == (
        "Main bank",
        "1111",
        "bank",
    )


def _customer_names(sql: Sql, owner: Actor, ws: dict[str, Any], account: str) -> None:
    customer = new_customer(owner, ws)
    sql.owner(
        "UPDATE customers SET income_account_id = %s WHERE workspace_id = %s AND id = %s",
        account,
        ws["id"],
        customer["id"],
        workspace=ws["id"],
    )


def _invoice_line_names(sql: Sql, owner: Actor, ws: dict[str, Any], account: str) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    sql.owner(
        "UPDATE invoice_lines SET income_account_id = %s WHERE workspace_id = %s"
        " AND invoice_id = %s",
        account,
        ws["id"],
        invoice["id"],
        workspace=ws["id"],
    )


def _credit_note_line_names(sql: Sql, owner: Actor, ws: dict[str, Any], account: str) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    note = uuid7()
    sql.owner(
        """INSERT INTO credit_notes (workspace_id, id, invoice_id, number, issue_date, currency,
               subtotal, tax_total, total)
           VALUES (%s, %s, %s, 'CN-T-1', '2026-03-01', 'USD', 100, 0, 100)""",
        ws["id"],
        note,
        invoice["id"],
        workspace=ws["id"],
    )
    sql.owner(
        """INSERT INTO credit_note_lines (workspace_id, id, credit_note_id, position,
               description, quantity, unit_price, subtotal, tax, total, income_account_id)
           VALUES (%s, %s, %s, 1, 'Refund', 1, 100, 100, 0, 100, %s)""",
        ws["id"],
        uuid7(),
        note,
        account,
        workspace=ws["id"],
    )


def _draft_line_names(sql: Sql, owner: Actor, ws: dict[str, Any], account: str) -> None:
    draft = uuid7()
    sql.owner(
        "INSERT INTO journal_drafts (workspace_id, id, currency) VALUES (%s, %s, 'EUR')",
        ws["id"],
        draft,
        workspace=ws["id"],
    )
    sql.owner(
        """INSERT INTO journal_draft_lines (workspace_id, id, draft_id, position, account_id,
               debit)
           VALUES (%s, %s, %s, 1, %s, 10)""",
        ws["id"],
        uuid7(),
        draft,
        account,
        workspace=ws["id"],
    )


Naming = Callable[[Sql, Actor, dict[str, Any], str], None]


@pytest.mark.parametrize(
    "names",
    [_customer_names, _invoice_line_names, _credit_note_line_names, _draft_line_names],
    ids=["customer", "invoice_line", "credit_note_line", "draft_line"],
)
def test_an_account_named_elsewhere_is_not_deleted(
    sql: Sql, owner: Actor, ws: dict[str, Any], names: Naming
) -> None:
    account = new_account(owner, ws, type="income")
    names(sql, owner, ws, account["id"])
    before = snapshot(sql, ws)
    refused(owner.delete(f"{ACCOUNTS}/{account['id']}", ws=ws), 409, "account_in_use")
    assert snapshot(sql, ws) == before


def test_delete_an_account_nothing_names(owner: Actor, ws: dict[str, Any]) -> None:
    group = new_account(owner, ws, is_group=True)
    account = new_account(owner, ws, parent_id=group["id"])
    for target in (account, group):
        resp = owner.delete(f"{ACCOUNTS}/{target['id']}", ws=ws)
        assert resp.status_code == 204, resp.text
        refused(owner.get(f"{ACCOUNTS}/{target['id']}", ws=ws), 404, "not_found")
    refused(owner.delete(f"{ACCOUNTS}/{account['id']}", ws=ws), 404, "not_found")
    assert list(chart(owner, ws)) == CODES


# The list


def _codes(owner: Actor, ws: dict[str, Any], **params: Any) -> list[str]:
    resp = owner.get(ACCOUNTS, ws=ws, params={"limit": 200, **params})
    assert resp.status_code == 200, resp.text
    return [a["code"] for a in resp.json()["items"]]


def test_list_filters(owner: Actor, ws: dict[str, Any]) -> None:
    accounts = chart(owner, ws)
    owner.patch(f"{ACCOUNTS}/{accounts['6500']['id']}", ws=ws, json={"is_active": False})
    assert _codes(owner, ws, type="equity") == ["3000", "3100", "3200", "3900"]
    income_and_equity = ["3000", "3100", "3200", "3900", "4000", "4100", "4200", "4900"]
    assert _codes(owner, ws, type=["income", "equity"]) == income_and_equity
    assert _codes(owner, ws, type="income,equity") == income_and_equity
    assert _codes(owner, ws, active="false") == ["6500"]
    assert len(_codes(owner, ws, active="true")) == 35
    groups = ["1000", "1100", "1500", "2000", "3000", "4000", "5000", "6000"]
    assert _codes(owner, ws, is_group="true") == groups
    assert _codes(owner, ws, parent_id=accounts["1500"]["id"]) == ["1510", "1590"]
    assert _codes(owner, ws, q="BANK") == ["1110", "6700"]
    assert _codes(owner, ws, q="59") == ["1590"]
    assert _codes(owner, ws, q="100_") == []
    assert _codes(owner, ws, type="expense", is_group="false", q="FEES") == ["6600", "6700"]
    assert _codes(owner, ws, type="expense", is_group="true") == ["5000", "6000"]
    error = refused(
        owner.get(ACCOUNTS, ws=ws, params={"type": "asset,revenue"}), 422, "validation_error"
    )
    assert error["details"] == [{"field": "type", "message": "unknown value 'revenue'"}]
    error = refused(owner.get(ACCOUNTS, ws=ws, params={"active": "maybe"}), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["query.active"]


def test_list_sorts(owner: Actor, ws: dict[str, Any]) -> None:
    by_name = sorted(DEFAULT_CHART, key=lambda a: a.name.lower())
    assert _codes(owner, ws) == CODES
    assert _codes(owner, ws, sort="-code") == CODES[::-1]
    assert _codes(owner, ws, sort="name") == [a.code for a in by_name]
    types = ["asset", "liability", "equity", "income", "expense"]
    by_type = sorted(DEFAULT_CHART, key=lambda a: (types.index(a.type), a.code))
    assert _codes(owner, ws, sort="type,code") == [a.code for a in by_type]
    assert _codes(owner, ws, sort="-type,code")[:3] == ["5000", "5100", "6000"]
    later = new_account(owner, ws, code="0001")
    assert _codes(owner, ws, sort="-created_at")[0] == later["code"]
    error = refused(owner.get(ACCOUNTS, ws=ws, params={"sort": "balance"}), 422, "validation_error")
    assert error["details"] == [{"field": "sort", "message": "unknown sort key 'balance'"}]


def test_list_pages_and_their_bounds(owner: Actor, ws: dict[str, Any]) -> None:
    page = owner.get(ACCOUNTS, ws=ws, params={"limit": 5, "offset": 10}).json()
    assert [a["code"] for a in page["items"]] == CODES[10:15]
    assert (page["total"], page["total_is_capped"], page["limit"], page["offset"]) == (
        36,
        False,
        5,
        10,
    )
    past = owner.get(ACCOUNTS, ws=ws, params={"offset": 36}).json()
    assert (past["items"], past["total"]) == ([], 36)
    assert len(ids(owner.get(ACCOUNTS, ws=ws, params={"limit": 200}).json())) == 36
    for params, field in (
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"offset": -1}, "query.offset"),
    ):
        error = refused(owner.get(ACCOUNTS, ws=ws, params=params), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]


# The tree


def _shape(nodes: list[dict[str, Any]]) -> list[Any]:
    return [(n["code"], _shape(n["children"])) if n["children"] else n["code"] for n in nodes]


def test_the_tree_nests_every_account_under_its_parent(owner: Actor, ws: dict[str, Any]) -> None:
    accounts = chart(owner, ws)
    new_account(owner, ws, code="1105", type="asset", parent_id=accounts["1100"]["id"])
    new_account(owner, ws, code="0900", type="asset")
    resp = owner.get(f"{ACCOUNTS}/tree", ws=ws)
    assert resp.status_code == 200, resp.text
    tree = resp.json()
    assert _shape(tree) == [
        "0900",
        (
            "1000",
            [
                ("1100", ["1105", "1110", "1120", "1200", "1300", "1400"]),
                ("1500", ["1510", "1590"]),
            ],
        ),
        ("2000", ["2100", "2200", "2300", "2400", "2500"]),
        ("3000", ["3100", "3200", "3900"]),
        ("4000", ["4100", "4200", "4900"]),
        ("5000", ["5100"]),
        ("6000", [a.code for a in DEFAULT_CHART if a.parent == "6000"]),
    ]
    bank = tree[1]["children"][0]["children"][1]
    assert {k: v for k, v in bank.items() if k != "children"} == accounts["1110"]
    assert bank["children"] == []


# The cap


def test_a_workspace_holds_at_most_max_accounts(
    factory: Factory, sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    many_accounts(sql, ws, MAX_ACCOUNTS - len(DEFAULT_CHART) - 2)
    new_account(owner, ws)
    # The last place, asked for twice at once: one creation takes it.
    calls = [("POST", ACCOUNTS, {"code": code, "name": "Last", "type": "asset"}) for code in "YZ"]
    won, lost = sorted(
        send_concurrently(factory.base_url, owner, ws, calls), key=lambda r: r.status_code
    )
    assert (won.status_code, lost.status_code) == (201, 409)
    assert error_code(lost) == "too_many_accounts"
    refused(
        owner.post(ACCOUNTS, ws=ws, json={"code": "ZZ", "name": "More", "type": "asset"}),
        409,
        "too_many_accounts",
    )
    tree = owner.get(f"{ACCOUNTS}/tree", ws=ws).json()
    assert sum(1 + _count(node) for node in tree) == MAX_ACCOUNTS
    assert owner.delete(f"{ACCOUNTS}/{won.json()['id']}", ws=ws).status_code == 204
    assert new_account(owner, ws, code="ZZ")["code"] == "ZZ"


def _count(node: dict[str, Any]) -> int:
    return sum(1 + _count(child) for child in node["children"])
