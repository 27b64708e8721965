"""The audit trail: what the `atlas_audit` trigger writes, who may read what, and filters.

Events are written by the database in the transaction of each change; the app role may
only read and add them.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg
import pytest

from atlas.audit.service import ENTITY_TYPES
from atlas.db.ids import uuid7
from atlas.ledger.chart import DEFAULT_CHART
from atlas.schema import tenant_tables
from tests.audit.helpers import URL, actions, events, only, stored
from tests.factories import Actor, Factory
from tests.finance.helpers import new_customer, new_invoice
from tests.hr.helpers import new_employee
from tests.projects.helpers import new_project, new_task, random_code
from tests.sql import Sql, set_context
from tests.workspaces.helpers import invitation_row, invite, member_id, tag

REDACTED = {"old": "[redacted]", "new": "[redacted]"}
KEYS_NEVER_IN_CHANGES = {"id", "workspace_id", "created_at", "updated_at"}
# ROW (1) + INSERT (4) + DELETE (8) + UPDATE (16); AFTER has no bit of its own.
AFTER_EACH_ROW_WRITE = 1 | 4 | 8 | 16
# Histories and counters: a link's history row comes with the employee's audited change.
# Posted journal lines are a record of their own: append-only, sealed by their entry's
# hash, and their entry's creation is in the trail.
# A new workspace's books open with an event for their row and one per account of the chart.
OPENING_BOOKS = 1 + len(DEFAULT_CHART)
# The trail itself, the links' history, an entry's lines (its entry's event covers them),
# the day totals the database derives from the lines, and the counters.
NOT_AUDITED = {
    "audit_events",
    "employee_user_links",
    "journal_day_totals",
    "journal_lines",
    "number_sequences",
}


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


# --- what the trigger writes -----------------------------------------------------------


def test_creating_a_project_records_who_from_where_and_what(
    owner: Actor, ws: dict[str, Any]
) -> None:
    code = random_code()
    resp = owner.post("/api/v1/projects", ws=ws, json={"code": code, "name": "Apollo"})
    assert resp.status_code == 201, resp.text
    project = resp.json()
    event = only(events(owner, ws, entity_id=project["id"]))
    assert (event["action"], event["entity_type"]) == ("project.created", "project")
    assert event["entity_id"] == project["id"]
    assert (event["actor_user_id"], event["actor_email"]) == (str(owner.id), owner.email)
    assert event["request_id"] == resp.headers["X-Request-Id"]
    assert event["client_ip"] == "127.0.0.1"
    assert event["changes"]["name"] == {"old": None, "new": "Apollo"}
    assert event["changes"]["code"] == {"old": None, "new": code}
    assert not KEYS_NEVER_IN_CHANGES & event["changes"].keys()


@pytest.mark.parametrize("client_id", ["evil", "evil0f0rged0request0id"])
def test_the_request_id_recorded_is_the_servers_not_the_clients(
    owner: Actor, ws: dict[str, Any], client_id: str
) -> None:
    resp = owner.post(
        "/api/v1/projects",
        ws=ws,
        json={"code": random_code(), "name": "Traced"},
        headers={"X-Request-Id": client_id},
    )
    assert resp.status_code == 201, resp.text
    event = only(events(owner, ws, entity_id=resp.json()["id"]))
    assert event["request_id"] == resp.headers["X-Request-Id"]
    assert event["request_id"] != client_id
    assert events(owner, ws, request_id=client_id)["total"] == 0
    assert resp.headers["X-Client-Request-Id"] == client_id


def test_creation_leaves_out_null_fields(owner: Actor, ws: dict[str, Any]) -> None:
    project = new_project(owner, ws)
    assert project["budget"] is None
    changes = only(events(owner, ws, entity_id=project["id"]))["changes"]
    assert "budget" not in changes
    assert all(change["new"] is not None for change in changes.values())


def test_updating_a_project_records_only_the_changed_fields(
    owner: Actor, ws: dict[str, Any]
) -> None:
    project = new_project(owner, ws, name="Before")
    resp = owner.patch(
        f"/api/v1/projects/{project['id']}", ws=ws, json={"name": "After", "status": "planned"}
    )
    assert resp.status_code == 200, resp.text
    event = only(events(owner, ws, entity_id=project["id"], action="project.updated"))
    assert event["changes"] == {"name": {"old": "Before", "new": "After"}}
    assert event["request_id"] == resp.headers["X-Request-Id"]


def test_the_search_document_stays_out_of_the_trail(owner: Actor, ws: dict[str, Any]) -> None:
    """The stored search document restates the row's own fields: never a change of its own."""
    customer = new_customer(owner, ws, name="Before")
    resp = owner.patch(f"/api/v1/customers/{customer['id']}", ws=ws, json={"name": "After"})
    assert resp.status_code == 200, resp.text
    created = only(events(owner, ws, entity_id=customer["id"], action="customer.created"))
    assert created["changes"]["name"] == {"old": None, "new": "Before"}
    assert "search_document" not in created["changes"]
    updated = only(events(owner, ws, entity_id=customer["id"], action="customer.updated"))
    assert updated["changes"] == {"name": {"old": "Before", "new": "After"}}


def test_every_generated_column_is_left_out_by_its_tables_trigger(sql: Sql) -> None:
    generated = sql.owner(
        """SELECT c.relname::text AS "table", a.attname::text AS "column", t.tgargs
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname = 'audit'
            WHERE a.attgenerated <> '' AND NOT a.attisdropped
              AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"""
    )
    assert len(generated) == 6
    for row in generated:
        assert row["tgargs"] is not None, row["table"]
        assert row["column"] in bytes(row["tgargs"]).decode().split("\x00")[1:], row["table"]


def test_an_update_that_changes_nothing_records_nothing(owner: Actor, ws: dict[str, Any]) -> None:
    project = new_project(owner, ws, name="Same")
    resp = owner.patch(f"/api/v1/projects/{project['id']}", ws=ws, json={"name": "Same"})
    assert resp.status_code == 200, resp.text
    assert actions(events(owner, ws, entity_id=project["id"])) == ["project.created"]


def test_a_new_task_records_no_change_of_its_projects_counter(
    owner: Actor, ws: dict[str, Any]
) -> None:
    project = new_project(owner, ws)
    task = new_task(owner, ws, project, title="Counted")
    assert actions(events(owner, ws, entity_id=project["id"])) == ["project.created"]
    assert actions(events(owner, ws, entity_id=task["id"])) == ["task.created"]


def test_deleting_a_task_records_its_old_values(owner: Actor, ws: dict[str, Any]) -> None:
    project = new_project(owner, ws)
    task = new_task(owner, ws, project, title="Doomed")
    resp = owner.delete(f"/api/v1/tasks/{task['id']}", ws=ws)
    assert resp.status_code == 204, resp.text
    event = only(events(owner, ws, entity_id=task["id"], action="task.deleted"))
    assert event["changes"]["title"] == {"old": "Doomed", "new": None}
    assert event["changes"]["project_id"] == {"old": project["id"], "new": None}
    assert all(change["old"] is not None for change in event["changes"].values())
    assert event["actor_user_id"] == str(owner.id)


# --- membership ----------------------------------------------------------------------


def test_an_invitation_is_recorded_without_its_token_hash(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    invitation = invite(owner, ws, f"guest-{tag()}@example.com", "viewer")
    event = only(events(owner, ws, entity_id=invitation["id"]))
    assert event["action"] == "invitation.created"
    assert event["changes"]["token_hash"] == REDACTED
    assert event["changes"]["role"] == {"old": None, "new": "viewer"}
    token_hash = bytes(invitation_row(factory, ws, invitation["id"])["token_hash"])
    assert len(token_hash) >= 16
    assert token_hash.hex() not in json.dumps(event).lower()


def test_changing_a_members_role_is_recorded(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    viewer = factory.member(ws, "viewer")
    mid = member_id(factory, ws, viewer)
    resp = owner.patch(f"/api/v1/members/{mid}", ws=ws, json={"role": "member"})
    assert resp.status_code == 200, resp.text
    event = only(events(owner, ws, entity_id=mid, action="member.updated"))
    assert event["changes"] == {"role": {"old": "viewer", "new": "member"}}
    assert event["actor_user_id"] == str(owner.id)


def test_removing_a_member_is_recorded(factory: Factory, owner: Actor, ws: dict[str, Any]) -> None:
    viewer = factory.member(ws, "viewer")
    mid = member_id(factory, ws, viewer)
    resp = owner.delete(f"/api/v1/members/{mid}", ws=ws)
    assert resp.status_code == 204, resp.text
    event = only(events(owner, ws, entity_id=mid, action="member.deleted"))
    assert event["changes"]["role"] == {"old": "viewer", "new": None}
    assert event["changes"]["user_id"] == {"old": str(viewer.id), "new": None}


def test_changes_made_outside_a_request_have_no_actor(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    viewer = factory.member(ws, "viewer")  # written in SQL by the owner role
    event = only(events(owner, ws, entity_id=member_id(factory, ws, viewer)))
    assert event["action"] == "member.created"
    assert (event["actor_user_id"], event["actor_email"]) == (None, None)
    assert (event["request_id"], event["client_ip"]) == (None, None)


def test_accepting_an_invitation_is_recorded_as_the_invitee(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    invitee = factory.user()
    invitation = invite(owner, ws, invitee.email, "member")
    resp = invitee.post(f"/api/v1/me/invitations/{invitation['id']}/accept")
    assert resp.status_code == 200, resp.text
    page = events(owner, ws, request_id=resp.headers["X-Request-Id"])
    assert sorted(actions(page)) == ["invitation.updated", "member.created"]
    assert {e["actor_user_id"] for e in page["items"]} == {str(invitee.id)}
    updated = next(e for e in page["items"] if e["action"] == "invitation.updated")
    assert updated["changes"]["status"] == {"old": "pending", "new": "accepted"}
    joined = next(e for e in page["items"] if e["action"] == "member.created")
    assert joined["entity_id"] == member_id(factory, ws, invitee)


def test_updating_the_workspace_is_recorded(owner: Actor, ws: dict[str, Any]) -> None:
    resp = owner.patch(f"/api/v1/workspaces/{ws['id']}", json={"name": "Renamed"})
    assert resp.status_code == 200, resp.text
    event = only(events(owner, ws, entity_type="workspace"))
    assert (event["action"], event["entity_id"]) == ("workspace.updated", str(ws["id"]))
    assert event["changes"] == {"name": {"old": ws["name"], "new": "Renamed"}}


# --- finance -------------------------------------------------------------------------


def test_issuing_an_invoice_records_status_and_number(owner: Actor, ws: dict[str, Any]) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    resp = owner.post(f"/api/v1/invoices/{invoice['id']}/issue", ws=ws)
    assert resp.status_code == 200, resp.text
    issued = resp.json()
    event = only(
        events(
            owner,
            ws,
            entity_id=invoice["id"],
            action="invoice.updated",
            request_id=resp.headers["X-Request-Id"],
        )
    )
    assert event["changes"]["status"] == {"old": "draft", "new": "issued"}
    assert event["changes"]["number"] == {"old": None, "new": issued["number"]}


def test_recording_a_payment_is_recorded(owner: Actor, ws: dict[str, Any]) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    assert owner.post(f"/api/v1/invoices/{invoice['id']}/issue", ws=ws).status_code == 200
    resp = owner.post(f"/api/v1/invoices/{invoice['id']}/payments", ws=ws, json={"amount": "30.10"})
    assert resp.status_code == 201, resp.text
    payment = resp.json()
    event = only(events(owner, ws, entity_id=payment["id"]))
    assert event["action"] == "payment.created"
    assert event["changes"]["invoice_id"] == {"old": None, "new": invoice["id"]}
    assert event["changes"]["amount"] == {"old": None, "new": 30.10}
    assert event["request_id"] == resp.headers["X-Request-Id"]


# --- salaries ------------------------------------------------------------------------


def _auditor(factory: Factory, owner: Actor, ws: dict[str, Any]) -> Actor:
    """A member whose custom role reads the trail and employees, but not salaries."""
    name = f"auditor-{tag()}"
    role = owner.post(
        "/api/v1/roles",
        ws=ws,
        json={"name": name, "permissions": ["audit:read", "employees:read"]},
    )
    assert role.status_code == 201, role.text
    user = factory.member(ws, "viewer")
    resp = owner.patch(
        f"/api/v1/members/{member_id(factory, ws, user)}", ws=ws, json={"role": name}
    )
    assert resp.status_code == 200, resp.text
    return user


def test_a_reader_with_hr_salary_sees_salaries(owner: Actor, ws: dict[str, Any]) -> None:
    employee = new_employee(owner, ws, salary="5000.00", salary_currency="EUR")
    changes = only(events(owner, ws, entity_id=employee["id"]))["changes"]
    assert changes["salary"] == {"old": None, "new": 5000}
    assert changes["salary_currency"] == {"old": None, "new": "EUR"}


def test_a_reader_without_hr_salary_sees_salaries_redacted(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    employee = new_employee(owner, ws, first_name="Grace", salary="5000.00", salary_currency="EUR")
    resp = owner.patch(
        f"/api/v1/employees/{employee['id']}",
        ws=ws,
        json={"salary": "6000.00", "job_title": "Lead"},
    )
    assert resp.status_code == 200, resp.text
    auditor = _auditor(factory, owner, ws)
    page = events(auditor, ws, entity_id=employee["id"])
    assert actions(page) == ["employee.updated", "employee.created"]
    updated, created = page["items"]
    assert created["changes"]["salary"] == REDACTED
    assert created["changes"]["salary_currency"] == REDACTED
    assert created["changes"]["first_name"] == {"old": None, "new": "Grace"}
    assert updated["changes"] == {
        "salary": REDACTED,
        "job_title": {"old": "", "new": "Lead"},
    }
    values = [v for e in page["items"] for c in e["changes"].values() for v in c.values()]
    assert not {5000, 6000, "EUR"} & set(values)


# --- atomicity and the append-only trail ---------------------------------------------


def test_a_rolled_back_change_leaves_no_event(sql: Sql, ws: dict[str, Any]) -> None:
    project_id = uuid7()
    conn = sql.connection("app")
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        set_context(cur, workspace_id=ws["id"])
        cur.execute(
            "INSERT INTO projects (workspace_id, id, code, name, currency)"
            " VALUES (%s, %s, %s, 'Gone', 'USD')",
            (ws["id"], project_id, random_code()),
        )
        cur.execute("SELECT action FROM audit_events WHERE entity_id = %s", (project_id,))
        assert cur.fetchall() == [{"action": "project.created"}]
    assert [row for row in stored(sql, ws) if row["entity_id"] == project_id] == []


def test_a_refused_payment_leaves_no_event(owner: Actor, ws: dict[str, Any]) -> None:
    invoice = new_invoice(owner, ws, new_customer(owner, ws))
    assert owner.post(f"/api/v1/invoices/{invoice['id']}/issue", ws=ws).status_code == 200
    before = events(owner, ws)["total"]
    resp = owner.post(
        f"/api/v1/invoices/{invoice['id']}/payments", ws=ws, json={"amount": "100.01"}
    )
    assert resp.status_code == 422, resp.text
    assert events(owner, ws, request_id=resp.headers["X-Request-Id"])["total"] == 0
    assert events(owner, ws)["total"] == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
def test_the_app_role_cannot_rewrite_the_trail(
    sql: Sql, owner: Actor, ws: dict[str, Any], statement: str
) -> None:
    new_project(owner, ws)
    before = stored(sql, ws)
    assert before
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.app(statement, workspace=ws["id"])
    assert stored(sql, ws) == before


def test_deleting_the_workspace_through_the_api_takes_its_trail(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    new_task(owner, ws, new_project(owner, ws))
    assert len(stored(sql, ws)) >= 3
    resp = owner.delete(f"/api/v1/workspaces/{ws['id']}", params={"confirm": ws["slug"]})
    assert resp.status_code == 204, resp.text
    assert stored(sql, ws) == []


def test_deleting_the_workspace_takes_its_trail_and_writes_none(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    project = new_project(owner, ws)
    new_task(owner, ws, project)
    invite(owner, ws, f"guest-{tag()}@example.com")
    assert len(stored(sql, ws)) >= 4
    sql.owner("DELETE FROM workspaces WHERE id = %s", ws["id"])
    assert stored(sql, ws) == []
    leftovers = sql.owner(
        "SELECT count(*) AS n FROM audit_events WHERE entity_id = %s",
        project["id"],
        workspace=ws["id"],
    )
    assert leftovers[0]["n"] == 0


# --- filters -------------------------------------------------------------------------


@pytest.fixture
def trail(factory: Factory, owner: Actor, ws: dict[str, Any]) -> dict[str, Any]:
    """Owner creates project `first`; an admin creates `second`; the owner renames `first`."""
    admin = factory.member(ws, "admin")
    first = new_project(owner, ws)
    created = admin.post("/api/v1/projects", ws=ws, json={"code": random_code(), "name": "Second"})
    assert created.status_code == 201, created.text
    renamed = owner.patch(f"/api/v1/projects/{first['id']}", ws=ws, json={"name": "Renamed"})
    assert renamed.status_code == 200, renamed.text
    return {
        "admin": admin,
        "first": first,
        "second": created.json(),
        "second_request": created.headers["X-Request-Id"],
    }


def test_filter_by_entity_type(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    page = events(owner, ws, entity_type="project")
    assert {e["entity_type"] for e in page["items"]} == {"project"}
    assert page["total"] == 3
    assert events(owner, ws, entity_type="member")["total"] == 2
    assert events(owner, ws, entity_type="task")["total"] == 0


def test_filter_by_entity_id(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    page = events(owner, ws, entity_id=trail["first"]["id"])
    assert actions(page) == ["project.updated", "project.created"]


def test_filter_by_actor(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    page = events(owner, ws, actor_user_id=str(trail["admin"].id))
    assert [e["entity_id"] for e in page["items"]] == [trail["second"]["id"]]
    mine = events(owner, ws, actor_user_id=str(owner.id))
    assert {e["entity_id"] for e in mine["items"]} == {trail["first"]["id"]}


def test_filter_by_action(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    event = only(events(owner, ws, action="project.updated"))
    assert event["entity_id"] == trail["first"]["id"]
    assert events(owner, ws, action="project.created")["total"] == 2


def test_filter_by_request_id(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    event = only(events(owner, ws, request_id=trail["second_request"]))
    assert event["entity_id"] == trail["second"]["id"]
    assert events(owner, ws, request_id=secrets.token_hex(8))["total"] == 0


def test_since_is_inclusive_and_until_exclusive(
    owner: Actor, ws: dict[str, Any], trail: dict[str, Any]
) -> None:
    pivot = only(events(owner, ws, request_id=trail["second_request"]))
    since = events(owner, ws, entity_type="project", since=pivot["occurred_at"])
    assert [e["entity_id"] for e in since["items"]] == [
        trail["first"]["id"],
        trail["second"]["id"],
    ]
    until = events(owner, ws, entity_type="project", until=pivot["occurred_at"])
    assert actions(until) == ["project.created"]
    assert until["items"][0]["entity_id"] == trail["first"]["id"]


@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59.999999-05:00", "1899-12-31"]
)
def test_times_outside_the_business_range_are_refused(
    owner: Actor, ws: dict[str, Any], param: str, moment: str
) -> None:
    resp = owner.get(URL, ws=ws, params={param: moment})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"] == [
        {
            "field": f"query.{param}",
            "message": "must be between 1900-01-01 and 2200-12-31",
            "type": "date_out_of_range",
        }
    ]


def test_newest_first_unless_sorted_by_occurred_at(
    owner: Actor, ws: dict[str, Any], trail: dict[str, Any]
) -> None:
    newest = events(owner, ws)["items"]
    oldest = events(owner, ws, sort="occurred_at")["items"]
    assert len(newest) == 5 + OPENING_BOOKS
    assert [e["id"] for e in oldest] == [e["id"] for e in reversed(newest)]
    times = [e["occurred_at"] for e in oldest]
    assert times == sorted(times)
    assert events(owner, ws, sort="-occurred_at")["items"] == newest


def test_paging_keeps_the_total(owner: Actor, ws: dict[str, Any], trail: dict[str, Any]) -> None:
    everything = events(owner, ws)["items"]
    page = events(owner, ws, limit=2, offset=2)
    assert page["total"] == len(everything) == 5 + OPENING_BOOKS
    assert [e["id"] for e in page["items"]] == [e["id"] for e in everything[2:4]]


@pytest.mark.parametrize(
    "params",
    [{"entity_type": "spaceship"}, {"action": "project.launched"}, {"sort": "action"}],
    ids=["entity_type", "action", "sort"],
)
def test_unknown_filter_values_are_422(
    owner: Actor, ws: dict[str, Any], params: dict[str, str]
) -> None:
    resp = owner.get(URL, ws=ws, params=params)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"][0]["field"].endswith(next(iter(params)))


# --- the catalogue -------------------------------------------------------------------


def _audit_triggers(sql: Sql) -> dict[str, dict[str, Any]]:
    rows = sql.owner(
        """SELECT c.relname, t.tgtype, t.tgargs, t.tgenabled, p.proname
             FROM pg_trigger t
             JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgname = 'audit' AND NOT t.tgisinternal"""
    )
    return {row["relname"]: row for row in rows}


AUDITED = sorted(t.name for t in tenant_tables() if t.name not in NOT_AUDITED)


@pytest.mark.parametrize("table", AUDITED)
def test_every_business_table_is_audited(sql: Sql, table: str) -> None:
    trigger = _audit_triggers(sql).get(table)
    assert trigger is not None, f"{table} has no audit trigger"
    assert trigger["proname"] == "atlas_audit"
    assert trigger["tgtype"] == AFTER_EACH_ROW_WRITE
    assert trigger["tgenabled"] == "O"
    entity_type = bytes(trigger["tgargs"]).split(b"\x00")[0].decode()
    assert entity_type in ENTITY_TYPES


def test_no_two_tables_share_an_entity_type(sql: Sql) -> None:
    types = [bytes(t["tgargs"]).split(b"\x00")[0] for t in _audit_triggers(sql).values()]
    assert len(types) == len(set(types)) == len(AUDITED)
