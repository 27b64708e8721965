"""Manual entries: posted at once or kept as drafts, checked line by line with field paths
before the books see them; and a lock-date move racing postings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.access import error_code
from tests.citus import plain_postgresql_only
from tests.concurrency import send_concurrently
from tests.factories import Actor, Factory
from tests.finance.helpers import new_customer
from tests.ledger.journal_helpers import (
    accounts,
    line,
    new_draft,
    post_entry,
    rent,
    snapshot,
)
from tests.projects.helpers import new_project
from tests.sql import Sql, set_context
from tests.timesheets.helpers import new_employee


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


@pytest.fixture
def codes(sql: Sql, ws: dict[str, Any]) -> dict[str, str]:
    return accounts(sql, ws)


def details(resp: httpx.Response) -> list[tuple[str, str]]:
    return [(d["field"], d.get("code", "")) for d in resp.json()["error"]["details"]]


def test_a_manual_entry_posts_with_the_next_number_and_the_base_currency(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    first = post_entry(owner, ws, rent(codes, "100.00"))
    second = post_entry(owner, ws, rent(codes, "20.50", on="2026-04-02"))
    assert (first["number"], second["number"]) == ("JE-2026-0001", "JE-2026-0002")
    assert first["currency"] == "USD"
    assert (first["source_type"], first["source_id"], first["source_event"]) == (
        "manual",
        None,
        "posted",
    )
    assert (first["line_count"], first["total"]) == (2, "100.00")
    assert [(x["account_code"], x["debit"], x["credit"]) for x in first["lines"]] == [
        ("6200", "100.00", "0.00"),
        ("1110", "0.00", "100.00"),
    ]
    assert first["created_by_user_id"] == str(owner.id)
    assert second["prev_hash"] == first["hash"]
    drafts = owner.get("/api/v1/journal-drafts", ws=ws).json()
    assert drafts["total"] == 0


Breaker = Callable[[dict[str, str]], dict[str, Any]]


def _with_lines(*lines: dict[str, Any]) -> Breaker:
    return lambda c: {"entry_date": "2026-03-01", "lines": list(lines)}


REFUSALS: list[Any] = [
    pytest.param(
        lambda c: {"lines": rent(c)["lines"]},
        "validation_error",
        [("entry_date", "")],
        id="no date",
    ),
    pytest.param(
        lambda c: {"entry_date": "2026-03-01", "lines": [line(c["6200"], debit="10.00")]},
        "entry_too_short",
        [("lines", "")],
        id="one line",
    ),
    pytest.param(
        lambda c: {
            "entry_date": "2026-03-01",
            "lines": [
                line(c["6200"], debit="10.00", credit="10.00"),
                line(c["1110"]),
                line(c["1120"], debit="-5.00"),
            ],
        },
        "line_one_sided",
        [
            ("lines.0.credit", "line_one_sided"),
            ("lines.1.debit", "line_one_sided"),
            ("lines.2.debit", "line_one_sided"),
        ],
        id="two-sided, empty and negative lines",
    ),
    pytest.param(
        lambda c: {
            "entry_date": "2026-03-01",
            "lines": [line(c["1000"], debit="10.00"), line(c["1110"], credit="10.00")],
        },
        "account_is_group",
        [("lines.0.account_id", "account_is_group")],
        id="group account",
    ),
    pytest.param(
        lambda c: {
            "entry_date": "2026-03-01",
            "lines": [
                line(c["6200"], debit="10.00"),
                line("00000000-0000-7000-8000-000000000000", credit="10.00"),
            ],
        },
        "account_not_found",
        [("lines.1.account_id", "account_not_found")],
        id="unknown account",
    ),
    pytest.param(
        lambda c: {
            "entry_date": "2026-03-01",
            "lines": [
                line(c["6200"], debit="10.00"),
                line(c["1110"], credit="10.00", project_id="00000000-0000-7000-8000-000000000001"),
            ],
        },
        "project_not_found",
        [("lines.1.project_id", "project_not_found")],
        id="unknown project",
    ),
    pytest.param(
        lambda c: {
            "entry_date": "2026-03-01",
            "lines": [
                line(c["6200"], debit="10.00", employee_id="00000000-0000-7000-8000-000000000002"),
                line(c["1110"], credit="10.00"),
            ],
        },
        "employee_not_found",
        [("lines.0.employee_id", "employee_not_found")],
        id="unknown employee",
    ),
]


@pytest.mark.parametrize(("body", "code", "fields"), REFUSALS)
def test_a_manual_entry_is_checked_with_field_paths_and_nothing_is_written(
    sql: Sql,
    owner: Actor,
    ws: dict[str, Any],
    codes: dict[str, str],
    body: Breaker,
    code: str,
    fields: list[tuple[str, str]],
) -> None:
    before = snapshot(sql, ws)
    resp = owner.post("/api/v1/journal-entries", ws=ws, json=body(codes))
    assert resp.status_code == 422, resp.text
    assert error_code(resp) == code
    assert details(resp) == fields
    assert snapshot(sql, ws) == before


def test_an_unbalanced_entry_names_both_totals(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    body = {
        "entry_date": "2026-03-01",
        "lines": [line(codes["6200"], debit="100.00"), line(codes["1110"], credit="90.00")],
    }
    resp = owner.post("/api/v1/journal-entries", ws=ws, json=body)
    assert (resp.status_code, error_code(resp)) == (422, "entry_unbalanced")
    assert resp.json()["error"]["message"] == (
        "The entry does not balance: debit 100.00, credit 90.00."
    )
    assert details(resp) == [("lines", "")]


@pytest.mark.parametrize(
    ("change", "code"),
    [("is_active = false", "account_inactive"), ("currency = 'EUR'", "account_currency")],
    ids=["inactive", "other currency"],
)
def test_an_account_that_takes_no_posting_is_refused_on_its_line(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str], change: str, code: str
) -> None:
    sql.app(f"UPDATE accounts SET {change} WHERE code = '6200'", workspace=ws["id"])
    resp = owner.post("/api/v1/journal-entries", ws=ws, json=rent(codes))
    assert (resp.status_code, error_code(resp)) == (422, code)
    assert details(resp) == [("lines.0.account_id", code)]


def test_lines_may_name_the_workspaces_customer_project_and_employee(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    customer = new_customer(owner, ws)
    project = new_project(owner, ws)
    employee = new_employee(sql, ws)
    body = rent(codes)
    body["lines"][0].update(
        customer_id=customer["id"], project_id=project["id"], employee_id=str(employee["id"])
    )
    entry = post_entry(owner, ws, body)
    first = entry["lines"][0]
    assert (first["customer_id"], first["project_id"], first["employee_id"]) == (
        customer["id"],
        project["id"],
        str(employee["id"]),
    )


def _many_lines(codes: dict[str, str], count: int) -> dict[str, Any]:
    debits = [line(codes["6200"], debit="1.00") for _ in range(count - 1)]
    return {
        "entry_date": "2026-03-01",
        "lines": [*debits, line(codes["1110"], credit=f"{count - 1}.00")],
    }


def test_an_entry_takes_500_lines_and_not_501(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    entry = post_entry(owner, ws, _many_lines(codes, 500))
    assert (entry["line_count"], entry["total"]) == (500, "499.00")
    resp = owner.post("/api/v1/journal-entries", ws=ws, json=_many_lines(codes, 501))
    assert (resp.status_code, error_code(resp)) == (422, "validation_error")
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["body.lines"]


# Drafts


def test_a_draft_is_saved_unbalanced_and_undated_then_edited(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    draft = new_draft(owner, ws, {"memo": "Accrual", "lines": [line(codes["6600"], "80.00")]})
    assert (draft["entry_date"], draft["currency"], draft["memo"]) == (None, "USD", "Accrual")
    assert (draft["debit_total"], draft["credit_total"]) == ("80.00", "0.00")
    assert draft["created_by_user_id"] == str(owner.id)
    lines = [line(codes["6600"], "80.00"), line(codes["2300"], credit="80.00", description="x")]
    resp = owner.patch(
        f"/api/v1/journal-drafts/{draft['id']}",
        ws=ws,
        json={"entry_date": "2026-03-31", "lines": lines},
    )
    assert resp.status_code == 200, resp.text
    edited = resp.json()
    assert (edited["entry_date"], edited["memo"], edited["credit_total"]) == (
        "2026-03-31",
        "Accrual",
        "80.00",
    )
    assert [(x["position"], x["description"]) for x in edited["lines"]] == [(1, ""), (2, "x")]
    cleared = owner.patch(f"/api/v1/journal-drafts/{draft['id']}", ws=ws, json={"entry_date": None})
    assert (cleared.json()["entry_date"], len(cleared.json()["lines"])) == (None, 2)
    listed = owner.get("/api/v1/journal-drafts", ws=ws, params={"q": "accru"}).json()
    assert [d["id"] for d in listed["items"]] == [draft["id"]]


def test_a_draft_line_is_one_sided_already(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    resp = owner.post(
        "/api/v1/journal-drafts",
        ws=ws,
        json={"lines": [line(codes["6600"], "1.00", "1.00")]},
    )
    assert (resp.status_code, error_code(resp)) == (422, "line_one_sided")
    assert details(resp) == [("lines.0.credit", "line_one_sided")]


def test_a_deleted_draft_is_gone(owner: Actor, ws: dict[str, Any], codes: dict[str, str]) -> None:
    draft = new_draft(owner, ws, rent(codes))
    assert owner.delete(f"/api/v1/journal-drafts/{draft['id']}", ws=ws).status_code == 204
    resp = owner.get(f"/api/v1/journal-drafts/{draft['id']}", ws=ws)
    assert (resp.status_code, error_code(resp)) == (404, "not_found")


def test_posting_a_draft_checks_it_and_keeps_it_when_refused(
    owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    draft = new_draft(owner, ws, {"lines": [line(codes["6600"], "80.00")]})
    resp = owner.post(f"/api/v1/journal-drafts/{draft['id']}/post", ws=ws)
    assert (resp.status_code, error_code(resp)) == (422, "validation_error")
    assert details(resp) == [("entry_date", "")]
    owner.patch(
        f"/api/v1/journal-drafts/{draft['id']}",
        ws=ws,
        json={"entry_date": "2026-03-31", "lines": [*rent(codes)["lines"]]},
    )
    unbalanced = [*rent(codes)["lines"][:1], line(codes["1110"], credit="99.99")]
    owner.patch(f"/api/v1/journal-drafts/{draft['id']}", ws=ws, json={"lines": unbalanced})
    resp = owner.post(f"/api/v1/journal-drafts/{draft['id']}/post", ws=ws)
    assert (resp.status_code, error_code(resp)) == (422, "entry_unbalanced")
    assert owner.get(f"/api/v1/journal-drafts/{draft['id']}", ws=ws).status_code == 200


def test_a_posted_draft_becomes_an_entry_and_is_deleted(
    sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    draft = new_draft(owner, ws, rent(codes, "40.00", memo="Office rent"))
    resp = owner.post(f"/api/v1/journal-drafts/{draft['id']}/post", ws=ws)
    assert resp.status_code == 201, resp.text
    entry = resp.json()
    assert (entry["number"], entry["memo"], entry["entry_date"], entry["total"]) == (
        "JE-2026-0001",
        "Office rent",
        "2026-03-01",
        "40.00",
    )
    assert (entry["source_type"], entry["source_id"], entry["source_event"]) == (
        "manual",
        draft["id"],
        "posted",
    )
    gone = owner.get(f"/api/v1/journal-drafts/{draft['id']}", ws=ws)
    assert (gone.status_code, error_code(gone)) == (404, "not_found")
    again = owner.post(f"/api/v1/journal-drafts/{draft['id']}/post", ws=ws)
    assert (again.status_code, error_code(again)) == (404, "not_found")
    rows = sql.owner(
        "SELECT count(*) AS n FROM journal_draft_lines WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )
    assert rows == [{"n": 0}]


def test_a_draft_posted_twice_at_once_posts_once(
    factory: Factory, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    draft = new_draft(owner, ws, rent(codes))
    path = f"/api/v1/journal-drafts/{draft['id']}/post"
    responses = send_concurrently(factory.base_url, owner, ws, [("POST", path, {})] * 2)
    assert sorted(r.status_code for r in responses) == [201, 404]
    listed = owner.get("/api/v1/journal-entries", ws=ws).json()
    assert listed["total"] == 1


# A lock-date move racing postings


def _waiting_requests(sql: Sql) -> int:
    """Sessions of this database waiting for a lock (pg_locks: readable by any role)."""
    rows = sql.owner(
        """SELECT count(DISTINCT l.pid) AS n FROM pg_locks l
             JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database()"""
    )
    return int(rows[0]["n"])


@plain_postgresql_only(
    "it sees the postings wait in the coordinator's pg_locks; on Citus they wait on a worker"
)
def test_a_lock_date_move_racing_postings_lets_none_in_on_or_before_it(
    factory: Factory, sql: Sql, owner: Actor, ws: dict[str, Any], codes: dict[str, str]
) -> None:
    """The move holds the books' row while the postings come in; each posting's insert
    waits for it and then reads the new lock date: those on or before it are refused."""
    days = ["2026-03-10", "2026-03-15", "2026-03-16", "2026-03-20", "2026-03-14", "2026-03-31"]
    calls = [("POST", "/api/v1/journal-entries", rent(codes, on=day)) for day in days]
    answers: list[httpx.Response] = []
    mover = sql.new_connection("app")
    try:
        with mover.cursor() as cur:
            set_context(cur, workspace_id=ws["id"])
            cur.execute("UPDATE ledgers SET lock_date = '2026-03-15'")
            posting = threading.Thread(
                target=lambda: answers.extend(send_concurrently(factory.base_url, owner, ws, calls))
            )
            posting.start()
            deadline = time.monotonic() + 30
            while _waiting_requests(sql) < len(calls) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _waiting_requests(sql) == len(calls)
        mover.commit()
        posting.join(timeout=60)
    finally:
        mover.close()
    by_day = dict(zip(days, answers, strict=True))
    for day, resp in by_day.items():
        if day <= "2026-03-15":
            assert (resp.status_code, error_code(resp)) == (409, "period_locked"), day
        else:
            assert resp.status_code == 201, resp.text
    posted = sql.owner(
        "SELECT entry_date::text AS day, number FROM journal_entries WHERE workspace_id = %s"
        " ORDER BY number",
        ws["id"],
        workspace=ws["id"],
    )
    assert sorted(row["day"] for row in posted) == ["2026-03-16", "2026-03-20", "2026-03-31"]
    assert [row["number"] for row in posted] == ["JE-2026-0001", "JE-2026-0002", "JE-2026-0003"]
