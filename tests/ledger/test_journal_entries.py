"""Posted entries as the API reads them, and reversals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.access import error_code, ids
from tests.concurrency import send_concurrently
from tests.factories import Actor, Factory
from tests.finance.helpers import today_utc
from tests.ledger.journal_helpers import (
    accounts,
    document_entry,
    line,
    post_entry,
    rent,
    set_lock_date,
)
from tests.sql import Sql


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


@pytest.fixture
def codes(sql: Sql, ws: dict[str, Any]) -> dict[str, str]:
    return accounts(sql, ws)


def journal(owner: Actor, ws: dict[str, Any], **params: Any) -> dict[str, Any]:
    resp = owner.get("/api/v1/journal-entries", ws=ws, params=params)
    assert resp.status_code == 200, resp.text
    page: dict[str, Any] = resp.json()
    return page


def test_the_journal_lists_latest_first_and_filters(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    march = post_entry(owner, ws, rent(codes, on="2026-03-01", memo="March rent"))
    fees = {
        "entry_date": "2026-04-15",
        "memo": "Bank fees",
        "lines": [line(codes["6700"], debit="5.00"), line(codes["1110"], credit="5.00")],
    }
    april = post_entry(owner, ws, fees)
    may = post_entry(owner, ws, rent(codes, on="2026-05-01", memo="May rent"))
    assert ids(journal(owner, ws)) == [may["id"], april["id"], march["id"]]
    assert ids(journal(owner, ws, sort="number")) == [march["id"], april["id"], may["id"]]
    assert ids(journal(owner, ws, **{"from": "2026-04-01", "to": "2026-04-30"})) == [april["id"]]
    assert ids(journal(owner, ws, account_id=codes["6700"])) == [april["id"]]
    assert ids(journal(owner, ws, q="rent", sort="entry_date")) == [march["id"], may["id"]]
    assert ids(journal(owner, ws, q=april["number"])) == [april["id"]]
    assert journal(owner, ws, source_type="reversal")["total"] == 0
    assert journal(owner, ws, source_type=["manual", "payment"])["total"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "memo"}, "sort"), ({"source_type": "journal"}, "source_type")],
    ids=["sort", "source type"],
)
def test_the_journal_refuses_unknown_sorts_and_source_types(
    owner: Actor, ws: dict[str, Any], params: dict[str, str], field: str
) -> None:
    resp = owner.get("/api/v1/journal-entries", ws=ws, params=params)
    assert (resp.status_code, error_code(resp)) == (422, "validation_error")
    assert [d["field"] for d in resp.json()["error"]["details"]] == [field]


def test_an_entry_shows_its_lines_accounts_source_and_hashes(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    first = post_entry(owner, ws, rent(codes))
    entry = owner.get(f"/api/v1/journal-entries/{first['id']}", ws=ws).json()
    assert [(x["position"], x["account_code"], x["account_name"]) for x in entry["lines"]] == [
        (1, "6200", "Rent"),
        (2, "1110", "Bank"),
    ]
    stored = sql.owner(
        "SELECT encode(hash, 'hex') AS hash FROM journal_entries WHERE id = %s",
        first["id"],
        workspace=ws["id"],
    )
    assert (entry["hash"], entry["prev_hash"], entry["chain_seq"]) == (stored[0]["hash"], None, 1)
    assert (entry["source_type"], entry["reversed_by_entry_id"]) == ("manual", None)
    missing = owner.get("/api/v1/journal-entries/00000000-0000-7000-8000-000000000000", ws=ws)
    assert (missing.status_code, error_code(missing)) == (404, "not_found")


def test_a_reversal_mirrors_the_entry_and_links_both_ways(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, rent(codes, "75.00"))
    resp = owner.post(f"/api/v1/journal-entries/{entry['id']}/reverse", ws=ws, json={})
    assert resp.status_code == 201, resp.text
    reversal = resp.json()
    assert reversal["entry_date"] == today_utc().isoformat()
    assert reversal["memo"] == f"Reversal of {entry['number']}"
    assert (reversal["source_type"], reversal["source_id"], reversal["reverses_entry_id"]) == (
        "reversal",
        entry["id"],
        entry["id"],
    )
    assert [(x["account_code"], x["debit"], x["credit"]) for x in reversal["lines"]] == [
        ("6200", "0.00", "75.00"),
        ("1110", "75.00", "0.00"),
    ]
    again = owner.get(f"/api/v1/journal-entries/{entry['id']}", ws=ws).json()
    assert again["reversed_by_entry_id"] == reversal["id"]
    assert ids(journal(owner, ws, source_type="reversal")) == [reversal["id"]]


def test_a_reversal_takes_a_date_and_memo(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, rent(codes))
    body = {"entry_date": "2026-03-05", "memo": "Booked twice"}
    reversal = owner.post(f"/api/v1/journal-entries/{entry['id']}/reverse", ws=ws, json=body)
    assert reversal.status_code == 201, reversal.text
    assert (reversal.json()["entry_date"], reversal.json()["memo"]) == (
        "2026-03-05",
        "Booked twice",
    )


def test_an_entry_is_reversed_once_and_a_reversal_never(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, rent(codes))
    reverse = f"/api/v1/journal-entries/{entry['id']}/reverse"
    reversal = owner.post(reverse, ws=ws, json={}).json()
    twice = owner.post(reverse, ws=ws, json={})
    assert (twice.status_code, error_code(twice)) == (409, "entry_already_reversed")
    back = owner.post(f"/api/v1/journal-entries/{reversal['id']}/reverse", ws=ws, json={})
    assert (back.status_code, error_code(back)) == (409, "entry_is_reversal")


def test_two_reversals_at_once_post_one(
    factory: Factory, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, rent(codes))
    path = f"/api/v1/journal-entries/{entry['id']}/reverse"
    responses = send_concurrently(factory.base_url, owner, ws, [("POST", path, {})] * 2)
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert {error_code(r) for r in responses if r.status_code == 409} == {"entry_already_reversed"}
    assert journal(owner, ws, source_type="reversal")["total"] == 1


@pytest.mark.parametrize("source_type", ["invoice", "credit_note", "payment"])
def test_a_documents_entry_is_not_reversed_here(
    sql: Sql, owner: Actor, ws: dict[str, Any], source_type: str
) -> None:
    entry_id = document_entry(sql, ws, source_type)
    resp = owner.post(f"/api/v1/journal-entries/{entry_id}/reverse", ws=ws, json={})
    assert (resp.status_code, error_code(resp)) == (409, "entry_from_document")
    assert journal(owner, ws, source_type="reversal")["total"] == 0


def test_a_reversal_in_the_locked_period_is_refused(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, rent(codes, on="2026-03-01"))
    set_lock_date(sql, ws, "2026-03-31")
    reverse = f"/api/v1/journal-entries/{entry['id']}/reverse"
    for day in ("2026-03-31", "2026-03-02"):
        resp = owner.post(reverse, ws=ws, json={"entry_date": day})
        assert (resp.status_code, error_code(resp)) == (409, "period_locked"), day
    later = owner.post(reverse, ws=ws, json={"entry_date": "2026-04-01"})
    assert later.status_code == 201, later.text
    # The refused attempts took no number: the reversal follows the entry.
    assert later.json()["number"] == "JE-2026-0002"
