"""Leave types and leave requests over real HTTP: days, overlaps, who may file, decide and
cancel, balances."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from atlas.errors import Invalid
from atlas.hr.service import leave_days
from tests.access import error_code, ids
from tests.factories import Actor, Factory
from tests.hr.helpers import (
    linked_employee,
    monday,
    new_employee,
    new_leave_request,
    new_leave_type,
)

DAY = timedelta(days=1)


def _file(actor: Actor, ws: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
    return actor.post("/api/v1/leave-requests", ws=ws, json=body)


def _body(leave_type: dict[str, Any], start: date, end: date, **fields: Any) -> dict[str, Any]:
    return {
        "leave_type_id": leave_type["id"],
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **fields,
    }


@pytest.mark.parametrize(
    ("start", "end", "start_half", "end_half", "days"),
    [
        (monday(1), monday(1) + 4 * DAY, False, False, "5"),
        (monday(1), monday(1) + 4 * DAY, True, False, "4.5"),
        (monday(1), monday(1) + 4 * DAY, True, True, "4"),
        (monday(1) + 4 * DAY, monday(2), False, False, "2"),
        (monday(1) + 4 * DAY, monday(2), True, True, "1"),
        (monday(1), monday(2) + 6 * DAY, False, False, "10"),
        (monday(1) + 2 * DAY, monday(1) + 2 * DAY, False, False, "1"),
        (monday(1) + 2 * DAY, monday(1) + 2 * DAY, False, True, "0.5"),
        (monday(1) + 5 * DAY, monday(3) + 5 * DAY, False, False, "10"),
    ],
)
def test_days_are_weekdays_less_half_days(
    start: date, end: date, start_half: bool, end_half: bool, days: str
) -> None:
    assert leave_days(start, end, start_half, end_half) == Decimal(days)


@pytest.mark.parametrize(
    ("start", "end", "start_half", "end_half", "field"),
    [
        (monday(1), monday(1), True, True, "end_half_day"),
        (monday(1) + 5 * DAY, monday(1) + 6 * DAY, False, False, "end_date"),
        (monday(1) + 5 * DAY, monday(2), True, False, "start_half_day"),
        (monday(2), monday(1), False, False, "end_date"),
    ],
)
def test_requests_of_no_days_or_impossible_half_days_are_invalid(
    start: date, end: date, start_half: bool, end_half: bool, field: str
) -> None:
    with pytest.raises(Invalid) as raised:
        leave_days(start, end, start_half, end_half)
    assert raised.value.details[0]["field"] == field


def test_the_server_computes_the_days(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee = new_employee(owner, ws)
    annual = new_leave_type(owner, ws)
    week = new_leave_request(
        owner,
        ws,
        annual,
        monday(5),
        monday(5) + 4 * DAY,
        employee_id=employee["id"],
        start_half_day=True,
        reason="Skiing",
    )
    assert (week["days"], week["status"], week["reason"]) == ("4.5", "pending", "Skiing")
    assert (week["start_half_day"], week["end_half_day"]) == (True, False)
    assert week["employee_id"] == employee["id"]
    assert (week["decided_by_user_id"], week["decided_at"]) == (None, None)
    both = _file(
        owner,
        ws,
        _body(
            annual,
            monday(6),
            monday(6),
            employee_id=employee["id"],
            start_half_day=True,
            end_half_day=True,
        ),
    )
    weekend = _file(
        owner,
        ws,
        _body(annual, monday(6) + 5 * DAY, monday(6) + 6 * DAY, employee_id=employee["id"]),
    )
    days_sent = _file(
        owner, ws, {**_body(annual, monday(7), monday(7), employee_id=employee["id"]), "days": 9}
    )
    assert (both.status_code, weekend.status_code, days_sent.status_code) == (422, 422, 422)
    one = owner.get(f"/api/v1/leave-requests/{week['id']}", ws=ws).json()
    assert one == week


def test_overlapping_leave_is_refused_until_the_first_is_rejected_or_cancelled(
    factory: Factory,
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee, colleague = new_employee(owner, ws), new_employee(owner, ws)
    annual = new_leave_type(owner, ws)
    first = new_leave_request(
        owner, ws, annual, monday(11), monday(11) + 2 * DAY, employee_id=employee["id"]
    )
    overlap = _body(annual, monday(11) + 2 * DAY, monday(11) + 4 * DAY, employee_id=employee["id"])
    refused = _file(owner, ws, overlap)
    assert refused.status_code == 409
    assert error_code(refused) == "leave_overlap"
    # Another employee, or the next day, is free.
    assert _file(owner, ws, {**overlap, "employee_id": colleague["id"]}).status_code == 201
    next_day = {**overlap, "start_date": (monday(11) + 3 * DAY).isoformat()}
    assert _file(owner, ws, next_day).status_code == 201
    assert _file(owner, ws, overlap).status_code == 409
    # Decided by someone other than who filed them.
    approver = factory.member(ws, "admin")
    rejected = approver.post(f"/api/v1/leave-requests/{first['id']}/reject", ws=ws)
    assert rejected.json()["status"] == "rejected"
    only_wednesday = {**overlap, "end_date": (monday(11) + 2 * DAY).isoformat()}
    second = _file(owner, ws, only_wednesday)
    assert second.status_code == 201
    assert (
        approver.post(f"/api/v1/leave-requests/{second.json()['id']}/approve", ws=ws).status_code
        == 200
    )
    assert _file(owner, ws, only_wednesday).status_code == 409
    owner.post(f"/api/v1/leave-requests/{second.json()['id']}/cancel", ws=ws)
    assert _file(owner, ws, only_wednesday).status_code == 201


async def _file_concurrently(
    base_url: str, actor: Actor, ws: dict[str, Any], body: dict[str, Any], count: int
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(client.post("/api/v1/leave-requests", json=body) for _ in range(count))
        )


def test_concurrent_overlapping_requests_let_exactly_one_through(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member, employee = linked_employee(factory, owner, ws, "member")
    annual = new_leave_type(owner, ws)
    body = _body(annual, monday(30), monday(30) + 4 * DAY)
    responses = asyncio.run(_file_concurrently(factory.base_url, member, ws, body, 6))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    rows = factory.sql.owner(
        "SELECT count(*) AS n FROM leave_requests WHERE employee_id = %s",
        employee["id"],
        workspace=ws["id"],
    )
    assert rows[0]["n"] == 1


def test_members_file_only_for_themselves(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    member, own = linked_employee(factory, owner, ws, "member")
    other = new_employee(owner, ws)
    unlinked = factory.member(ws, "member")
    mine = _file(member, ws, _body(annual, monday(12), monday(12)))
    assert mine.status_code == 201
    assert mine.json()["employee_id"] == own["id"]
    explicit = _file(member, ws, _body(annual, monday(13), monday(13), employee_id=own["id"]))
    assert explicit.status_code == 201
    for_other = _file(member, ws, _body(annual, monday(14), monday(14), employee_id=other["id"]))
    assert for_other.status_code == 403
    assert error_code(for_other) == "permission_denied"
    nobody = _file(unlinked, ws, _body(annual, monday(14), monday(14)))
    assert nobody.status_code == 422
    assert error_code(nobody) == "no_linked_employee"
    admin = factory.member(ws, "admin")
    by_admin = _file(admin, ws, _body(annual, monday(14), monday(14), employee_id=other["id"]))
    assert by_admin.status_code == 201
    assert by_admin.json()["employee_id"] == other["id"]
    foreign_type = new_leave_type(owner, factory.workspace(owner))
    wrong_type = _file(member, ws, _body(foreign_type, monday(15), monday(15)))
    assert wrong_type.status_code == 422
    assert error_code(wrong_type) == "invalid_leave_type"


def test_the_manager_approves_but_not_the_employee_or_a_colleague(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    manager, manager_employee = linked_employee(factory, owner, ws, "member")
    worker, _ = linked_employee(factory, owner, ws, "member", manager_id=manager_employee["id"])
    colleague, _ = linked_employee(factory, owner, ws, "member")
    request = _file(worker, ws, _body(annual, monday(16), monday(16) + DAY)).json()
    url = f"/api/v1/leave-requests/{request['id']}"
    own = worker.post(f"{url}/approve", ws=ws)
    unrelated = colleague.post(f"{url}/approve", ws=ws)
    assert (own.status_code, unrelated.status_code) == (403, 403)
    assert (error_code(own), error_code(unrelated)) == ("own_leave_request", "permission_denied")
    approved = manager.post(f"{url}/approve", ws=ws)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["decided_by_user_id"]) == ("approved", str(manager.id))
    assert body["decided_at"] is not None
    again = manager.post(f"{url}/reject", ws=ws)
    assert again.status_code == 409
    assert error_code(again) == "invalid_status_transition"
    # The manager's own requests go to someone else, even for a role with leave:approve.
    admin, admin_employee = linked_employee(factory, owner, ws, "admin")
    admins = _file(admin, ws, _body(annual, monday(17), monday(17))).json()
    assert admin.post(f"/api/v1/leave-requests/{admins['id']}/approve", ws=ws).status_code == 403
    rejected = owner.post(f"/api/v1/leave-requests/{admins['id']}/reject", ws=ws)
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["employee_id"] == admin_employee["id"]


def test_cancelling_by_the_employee_or_leave_managers(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    worker, _ = linked_employee(factory, owner, ws, "member")
    colleague = factory.member(ws, "member")
    pending = _file(worker, ws, _body(annual, monday(18), monday(18))).json()
    approved = _file(worker, ws, _body(annual, monday(19), monday(19))).json()
    decision = owner.post(f"/api/v1/leave-requests/{approved['id']}/approve", ws=ws).json()
    refused = colleague.post(f"/api/v1/leave-requests/{pending['id']}/cancel", ws=ws)
    assert refused.status_code == 403
    mine = worker.post(f"/api/v1/leave-requests/{pending['id']}/cancel", ws=ws)
    assert (mine.status_code, mine.json()["status"]) == (200, "cancelled")
    managed = owner.post(f"/api/v1/leave-requests/{approved['id']}/cancel", ws=ws)
    assert (managed.status_code, managed.json()["status"]) == (200, "cancelled")
    # A cancellation records no decider: the approval's stays, with its time.
    kept = (managed.json()["decided_by_user_id"], managed.json()["decided_at"])
    assert kept == (str(owner.id), decision["decided_at"])
    assert mine.json()["decided_by_user_id"] is None
    assert mine.json()["decided_at"] is None
    twice = worker.post(f"/api/v1/leave-requests/{pending['id']}/cancel", ws=ws)
    assert twice.status_code == 409
    decide_cancelled = owner.post(f"/api/v1/leave-requests/{pending['id']}/approve", ws=ws)
    assert decide_cancelled.status_code == 409


def test_leave_balance_per_type(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    employee, other = new_employee(owner, ws), new_employee(owner, ws)
    annual = new_leave_type(owner, ws, name="Annual", yearly_allowance_days="25")
    sick = new_leave_type(owner, ws, name="Sick", yearly_allowance_days="10.5")

    def filed(start: date, end: date, leave_type: dict[str, Any] = annual, **kw: Any) -> str:
        request = new_leave_request(
            owner, ws, leave_type, start, end, employee_id=employee["id"], **kw
        )
        return str(request["id"])

    approver = factory.member(ws, "admin")  # not who filed them

    def decide(request_id: str, action: str) -> None:
        resp = approver.post(f"/api/v1/leave-requests/{request_id}/{action}", ws=ws)
        assert resp.status_code == 200, resp.text

    decide(filed(monday(20), monday(20) + 4 * DAY), "approve")  # 5
    decide(filed(monday(21), monday(21) + 2 * DAY, end_half_day=True), "approve")  # 2.5
    filed(monday(22), monday(22))  # pending 1
    decide(filed(monday(23), monday(23) + 2 * DAY), "reject")
    decide(filed(monday(24), monday(24)), "cancel")
    decide(filed(monday(25), monday(25) + DAY, leave_type=sick, start_half_day=True), "approve")
    decide(filed(monday(2, 2031), monday(2, 2031)), "approve")  # another year
    new_leave_request(owner, ws, annual, monday(20), monday(20), employee_id=other["id"])

    resp = owner.get(f"/api/v1/employees/{employee['id']}/leave-balance?year=2030", ws=ws)
    assert resp.status_code == 200, resp.text
    balance = resp.json()
    assert (balance["employee_id"], balance["year"]) == (employee["id"], 2030)
    lines = {line["leave_type_name"]: line for line in balance["leave_types"]}
    assert {k: Decimal(v) for k, v in lines["Annual"].items() if k.endswith("_days")} == {
        "allowance_days": Decimal("25"),
        "taken_days": Decimal("7.5"),
        "pending_days": Decimal("1"),
        "remaining_days": Decimal("17.5"),
    }
    assert {k: Decimal(v) for k, v in lines["Sick"].items() if k.endswith("_days")} == {
        "allowance_days": Decimal("10.5"),
        "taken_days": Decimal("1.5"),
        "pending_days": Decimal("0"),
        "remaining_days": Decimal("9"),
    }
    next_year = owner.get(
        f"/api/v1/employees/{employee['id']}/leave-balance", ws=ws, params={"year": 2031}
    ).json()
    taken = {
        line["leave_type_name"]: Decimal(line["taken_days"]) for line in next_year["leave_types"]
    }
    assert taken == {"Annual": Decimal("1"), "Sick": Decimal("0")}


def test_leave_types_names_allowances_and_deletion(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws, name="Annual", yearly_allowance_days=20.5)
    assert annual["yearly_allowance_days"] == "20.5"
    same = owner.post(
        "/api/v1/leave-types", ws=ws, json={"name": "Annual", "yearly_allowance_days": "1"}
    )
    assert (same.status_code, error_code(same)) == (409, "leave_type_name_taken")
    for bad in ("2.55", "-1", "10000"):
        resp = owner.post(
            "/api/v1/leave-types", ws=ws, json={"name": f"T{bad}", "yearly_allowance_days": bad}
        )
        assert resp.status_code == 422, bad
    renamed = owner.patch(
        f"/api/v1/leave-types/{annual['id']}", ws=ws, json={"yearly_allowance_days": "30"}
    )
    assert (renamed.json()["name"], renamed.json()["yearly_allowance_days"]) == ("Annual", "30.0")
    new_leave_request(
        owner, ws, annual, monday(9), monday(9), employee_id=new_employee(owner, ws)["id"]
    )
    in_use = owner.delete(f"/api/v1/leave-types/{annual['id']}", ws=ws)
    assert (in_use.status_code, error_code(in_use)) == (409, "leave_type_in_use")
    sick = new_leave_type(owner, ws, name="Sick")
    listed = owner.get("/api/v1/leave-types", ws=ws).json()
    assert ids(listed) == [annual["id"], sick["id"]]
    assert owner.delete(f"/api/v1/leave-types/{sick['id']}", ws=ws).status_code == 204
    assert owner.get(f"/api/v1/leave-types/{sick['id']}", ws=ws).status_code == 404


def test_list_filters(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    ann, bob = new_employee(owner, ws), new_employee(owner, ws)
    early = new_leave_request(owner, ws, annual, monday(3), monday(3), employee_id=ann["id"])
    late = new_leave_request(owner, ws, annual, monday(40), monday(41), employee_id=ann["id"])
    bobs = new_leave_request(owner, ws, annual, monday(20), monday(20), employee_id=bob["id"])
    approved = factory.member(ws, "admin").post(
        f"/api/v1/leave-requests/{bobs['id']}/approve", ws=ws
    )
    assert approved.status_code == 200, approved.text

    def listed(**params: Any) -> list[str]:
        resp = owner.get("/api/v1/leave-requests", ws=ws, params=params)
        assert resp.status_code == 200, resp.text
        return ids(resp.json())

    assert listed() == [early["id"], bobs["id"], late["id"]]
    assert listed(employee_id=ann["id"]) == [early["id"], late["id"]]
    assert listed(status="approved") == [bobs["id"]]
    assert listed(status="pending,rejected") == [early["id"], late["id"]]
    assert listed(**{"from": (monday(20) + DAY).isoformat()}) == [late["id"]]
    assert listed(**{"to": monday(20).isoformat()}) == [early["id"], bobs["id"]]
    assert listed(**{"from": monday(41).isoformat(), "to": monday(41).isoformat()}) == [late["id"]]
    assert listed(sort="-created_at") == [bobs["id"], late["id"], early["id"]]
    viewer = factory.member(ws, "viewer")
    assert len(viewer.get("/api/v1/leave-requests", ws=ws).json()["items"]) == 3


def test_filing_for_an_employee_of_another_workspace_is_refused(factory: Factory) -> None:
    owner = factory.user()
    ws, other = factory.workspace(owner), factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    foreign = new_employee(owner, other)
    resp = _file(owner, ws, _body(annual, monday(8), monday(8), employee_id=foreign["id"]))
    assert resp.status_code == 422
    assert error_code(resp) == "invalid_employee"
    rows = factory.sql.owner("SELECT id FROM leave_requests", workspace=other["id"])
    assert rows == []


def _decide(actor: Actor, ws: dict[str, Any], request: dict[str, Any], action: str) -> Any:
    return actor.post(f"/api/v1/leave-requests/{request['id']}/{action}", ws=ws)


def _status(factory: Factory, ws: dict[str, Any], request: dict[str, Any]) -> str:
    rows = factory.sql.owner(
        "SELECT status FROM leave_requests WHERE id = %s", request["id"], workspace=ws["id"]
    )
    status: str = rows[0]["status"]
    return status


def test_filing_records_the_requester(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    member, own = linked_employee(factory, owner, ws, "member")
    admin = factory.member(ws, "admin")
    mine = _file(member, ws, _body(annual, monday(40), monday(40))).json()
    for_them = _file(admin, ws, _body(annual, monday(41), monday(41), employee_id=own["id"]))
    assert mine["requested_by_user_id"] == str(member.id)
    assert for_them.json()["requested_by_user_id"] == str(admin.id)
    stored = factory.sql.owner(
        "SELECT requested_by_user_id FROM leave_requests WHERE employee_id = %s"
        " ORDER BY start_date",
        own["id"],
        workspace=ws["id"],
    )
    assert [row["requested_by_user_id"] for row in stored] == [member.id, admin.id]


def test_unlinking_does_not_let_an_admin_decide_their_own_leave(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    admin, employee = linked_employee(factory, owner, ws, "admin")
    request = _file(admin, ws, _body(annual, monday(42), monday(42))).json()
    employee_url = f"/api/v1/employees/{employee['id']}"
    unlinked = admin.patch(employee_url, ws=ws, json={"user_id": None})
    assert (unlinked.status_code, unlinked.json()["user_id"]) == (200, None)
    for action in ("approve", "reject"):
        refused = _decide(admin, ws, request, action)
        assert refused.status_code == 403, refused.text
        assert error_code(refused) == "own_leave_request"
    relinked = admin.patch(employee_url, ws=ws, json={"user_id": str(admin.id)})
    assert relinked.status_code == 200
    assert _status(factory, ws, request) == "pending"
    # Someone else decides it.
    approved = _decide(owner, ws, request, "approve")
    assert (approved.status_code, approved.json()["decided_by_user_id"]) == (200, str(owner.id))


def test_a_request_filed_by_another_after_unlinking_is_still_out_of_reach(
    factory: Factory,
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    admin, employee = linked_employee(factory, owner, ws, "admin")
    assert (
        admin.patch(f"/api/v1/employees/{employee['id']}", ws=ws, json={"user_id": None}).json()[
            "user_id"
        ]
        is None
    )
    request = _file(owner, ws, _body(annual, monday(43), monday(43), employee_id=employee["id"]))
    assert request.json()["requested_by_user_id"] == str(owner.id)
    refused = _decide(admin, ws, request.json(), "approve")
    assert refused.status_code == 403
    assert error_code(refused) == "own_leave_request"
    assert _status(factory, ws, request.json()) == "pending"


def test_nobody_decides_a_request_they_filed_but_others_still_may(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    annual = new_leave_type(owner, ws)
    manager, manager_employee = linked_employee(factory, owner, ws, "member")
    _, worker = linked_employee(factory, owner, ws, "member", manager_id=manager_employee["id"])
    admin = factory.member(ws, "admin")
    filed = _file(admin, ws, _body(annual, monday(44), monday(44), employee_id=worker["id"]))
    request = filed.json()
    refused = _decide(admin, ws, request, "reject")
    assert refused.status_code == 403
    assert error_code(refused) == "own_leave_request"
    approved = _decide(manager, ws, request, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_user_id"] == str(manager.id)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE employee_user_links SET linked_at = now()", "DELETE FROM employee_user_links"],
)
def test_the_history_of_links_is_append_only_for_the_app(factory: Factory, statement: str) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member, employee = linked_employee(factory, owner, ws, "member")
    history = "SELECT employee_id, user_id FROM employee_user_links"
    before = factory.sql.app(history, workspace=ws["id"])
    assert before == [{"employee_id": uuid.UUID(employee["id"]), "user_id": member.id}]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        factory.sql.app(statement, workspace=ws["id"])
    assert factory.sql.app(history, workspace=ws["id"]) == before
