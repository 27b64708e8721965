"""The global search, over real HTTP and as raw SQL: each kind found by the start of its
words, a task by its key, hostile text harmless, limits at their edges, only the kinds
the member may read, and never a row of another workspace."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from atlas.db.textsearch import document, prefix_query, tsquery
from atlas.search.endpoints import MAX_QUERY_LENGTH
from atlas.search.service import MAX_LIMIT
from tests.exports.helpers import member_with_permissions
from tests.factories import Actor, Factory
from tests.finance.helpers import issue, many_customers, new_customer, new_invoice
from tests.hr.helpers import new_department, new_employee
from tests.projects.helpers import new_project, new_task
from tests.sql import Sql

KINDS = ["projects", "tasks", "customers", "invoices", "employees", "departments"]


def search(actor: Actor, ws: dict[str, Any], q: str, **params: Any) -> dict[str, Any]:
    resp = actor.get("/api/v1/search", ws=ws, params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def labels(body: dict[str, Any]) -> dict[str, list[str]]:
    return {g["kind"]: [h["label"] for h in g["hits"]] for g in body["groups"]}


def hit_ids(body: dict[str, Any]) -> set[str]:
    return {h["id"] for g in body["groups"] for h in g["hits"]}


def acme_records(owner: Actor, ws: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One record of each kind named "Acme…", and one of each named otherwise."""
    project = new_project(owner, ws, code="WEB", name="Acme website")
    other_project = new_project(owner, ws, code="OPS", name="Operations")
    customer = new_customer(owner, ws, name="Acme Corp", email="billing@acme-corp.example.com")
    new_customer(owner, ws, name="Globex", email="ap@globex.example.com")
    return {
        "project": project,
        "task": new_task(owner, ws, project, title="Acme login page"),
        "other_task": new_task(owner, ws, other_project, title="Rotate keys"),
        "customer": customer,
        "invoice": issue(owner, ws, new_invoice(owner, ws, customer)),
        "employee": new_employee(
            owner, ws, first_name="Wile", last_name="Acmeson", work_email="wile@corp.example.com"
        ),
        "department": new_department(owner, ws, code="ACM", name="Acme Labs"),
    }


@dataclass(frozen=True)
class Owned:
    """A workspace and its owner (a tenant of tests.access)."""

    ws: dict[str, Any]
    owner: Actor


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


def test_a_prefix_finds_each_kind(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    made = acme_records(owner, ws)
    found = search(owner, ws, "acm")
    assert [g["kind"] for g in found["groups"]] == KINDS
    assert labels(found) == {
        "projects": ["Acme website"],
        "tasks": ["Acme login page"],
        "customers": ["Acme Corp"],
        "invoices": [made["invoice"]["number"]],
        "employees": ["Wile Acmeson"],
        "departments": ["Acme Labs"],
    }
    first = {g["kind"]: g["hits"][0] for g in found["groups"]}
    assert first["projects"] == {
        "kind": "projects",
        "id": made["project"]["id"],
        "label": "Acme website",
        "detail": "WEB",
    }
    assert first["tasks"]["detail"] == made["task"]["key"]
    assert first["invoices"]["detail"] == "Acme Corp"
    assert first["customers"]["detail"] == "billing@acme-corp.example.com"
    assert first["departments"]["detail"] == "ACM"
    assert all(not g["more"] for g in found["groups"])
    assert found["q"] == "acm"


def test_words_of_codes_numbers_and_addresses(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    made = acme_records(owner, ws)
    number = made["invoice"]["number"]  # INV-<year>-0001
    assert labels(search(owner, ws, number, kinds="invoices")) == {"invoices": [number]}
    assert labels(search(owner, ws, number[:-2], kinds="invoices")) == {"invoices": [number]}
    # Every word typed must begin a word of the record.
    assert labels(search(owner, ws, "acme web", kinds="projects")) == {"projects": ["Acme website"]}
    assert labels(search(owner, ws, "acme ops", kinds="projects")) == {"projects": []}
    assert labels(search(owner, ws, "ops", kinds="projects")) == {"projects": ["Operations"]}
    # An e-mail address is words too: its name, its domain's parts.
    by_mail = search(owner, ws, "billing@acme-corp.exa", kinds="customers,employees")
    assert labels(by_mail) == {"customers": ["Acme Corp"], "employees": []}
    assert labels(search(owner, ws, "wile@corp", kinds="employees")) == {
        "employees": ["Wile Acmeson"]
    }
    # A word inside another is not its start.
    assert labels(search(owner, ws, "cme")) == {kind: [] for kind in KINDS}


def test_a_task_is_found_by_its_key_exactly(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    project = new_project(owner, ws, code="WEB", name="Website")
    first = new_task(owner, ws, project, title="Fix the login")
    second = new_task(owner, ws, project, title="Fix the sign-up")
    assert [first["key"], second["key"]] == ["WEB-1", "WEB-2"]
    by_key = search(owner, ws, "WEB-2", kinds="tasks")
    assert [h["id"] for h in by_key["groups"][0]["hits"]] == [second["id"]]
    assert labels(search(owner, ws, " web-1 ", kinds="tasks")) == {"tasks": ["Fix the login"]}
    assert labels(search(owner, ws, "WEB-3", kinds="tasks")) == {"tasks": []}
    # The key first, then titles that match: "fix" is a word of both.
    keyed_title = new_task(owner, ws, project, title="Fix WEB-1 once more")
    both = search(owner, ws, "WEB-1", kinds="tasks")
    assert [h["id"] for h in both["groups"][0]["hits"]] == [first["id"], keyed_title["id"]]


def test_invoices_are_found_by_their_customers_name(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws, name="Initech")
    draft = new_invoice(owner, ws, customer)
    issued = issue(owner, ws, new_invoice(owner, ws, customer))
    found = search(owner, ws, "initech", kinds="invoices")
    # No number matched: the latest first.
    assert [h["id"] for h in found["groups"][0]["hits"]] == [issued["id"], draft["id"]]
    assert [h["label"] for h in found["groups"][0]["hits"]] == [issued["number"], "Draft invoice"]
    # A number match comes before a customer-name match.
    other = issue(owner, ws, new_invoice(owner, ws, new_customer(owner, ws, name="Inv Holdings")))
    # "inv" begins both numbers, and the name of the latest one's customer; not the draft's.
    by_inv = search(owner, ws, "inv", kinds="invoices")
    assert [h["id"] for h in by_inv["groups"][0]["hits"]] == [other["id"], issued["id"]]


@pytest.mark.parametrize(
    ("q", "finds"),
    [
        ("'", False),
        ("\\", False),
        ("''", False),
        ("&|!:*()", False),
        ("<->", False),
        ("a:*", True),  # "a" begins "Acme"; ":*" is no operator
        (":*", False),
        ("!!(", False),
        ("%_", False),
        ("\x00", False),
        ("   ", False),
        ("", False),
        ("'acm':*", True),
        ("acm\\", True),
        ("(acm)", True),
        ("acm' | 'x", False),
    ],
)
def test_hostile_text_is_only_words(factory: Factory, owner: Actor, q: str, finds: bool) -> None:
    ws = factory.workspace(owner)
    new_customer(owner, ws, name="Acme Corp")
    found = search(owner, ws, q)
    assert labels(found)["customers"] == (["Acme Corp"] if finds else [])
    assert all(g["hits"] == [] for g in found["groups"] if g["kind"] != "customers")


def test_operators_between_words_are_ignored(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    new_customer(owner, ws, name="Acme Corp")
    new_customer(owner, ws, name="Globex Corp")
    assert labels(search(owner, ws, "acme | globex", kinds="customers")) == {"customers": []}
    assert labels(search(owner, ws, "!acme corp", kinds="customers")) == {
        "customers": ["Acme Corp"]
    }
    assert labels(search(owner, ws, "corp & (acme)", kinds="customers")) == {
        "customers": ["Acme Corp"]
    }


def test_the_query_builder_quotes_every_word() -> None:
    assert prefix_query("Acme's  web-site!") == "'Acme':* & 's':* & 'web':* & 'site':*"
    assert prefix_query("&|!:*()'\\") is None
    assert prefix_query("") is None
    assert prefix_query(" ".join(f"w{n}" for n in range(20))) == " & ".join(
        f"'w{n}':*" for n in range(8)
    )


def test_the_text_has_a_documented_maximum(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    longest = "acme " * (MAX_QUERY_LENGTH // 5)
    assert len(longest) == MAX_QUERY_LENGTH == 200
    new_customer(owner, ws, name="Acme Corp")
    assert labels(search(owner, ws, longest, kinds="customers")) == {"customers": ["Acme Corp"]}
    too_long = owner.get("/api/v1/search", ws=ws, params={"q": longest + "x"})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "query.q"
    missing = owner.get("/api/v1/search", ws=ws)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "query.q"


def test_name_matches_come_first_then_names_in_order(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    for name, email in [
        ("Zeta Trading", "acme@zeta.example.com"),
        ("acme b", None),
        ("Acme A", None),
    ]:
        new_customer(owner, ws, name=name, email=email)
    assert labels(search(owner, ws, "acme", kinds="customers")) == {
        "customers": ["Acme A", "acme b", "Zeta Trading"]
    }


def test_limits_per_kind_at_their_edges(factory: Factory, owner: Actor, sql: Sql) -> None:
    ws = factory.workspace(owner)
    many_customers(sql, ws, MAX_LIMIT + 1, "Edge")
    default = search(owner, ws, "edge", kinds="customers")["groups"][0]
    assert (len(default["hits"]), default["more"]) == (5, True)
    assert [h["label"] for h in default["hits"]] == [f"Edge {n:04d}" for n in range(1, 6)]
    at_most = search(owner, ws, "edge", kinds="customers", limit=MAX_LIMIT)["groups"][0]
    assert (len(at_most["hits"]), at_most["more"]) == (MAX_LIMIT, True)
    sql.owner(
        "DELETE FROM customers WHERE workspace_id = %s AND name = %s",
        ws["id"],
        f"Edge {MAX_LIMIT + 1:04d}",
        workspace=ws["id"],
    )
    exactly = search(owner, ws, "edge", kinds="customers", limit=MAX_LIMIT)["groups"][0]
    assert (len(exactly["hits"]), exactly["more"]) == (MAX_LIMIT, False)
    one = search(owner, ws, "edge", kinds="customers", limit=1)["groups"][0]
    assert (len(one["hits"]), one["more"]) == (1, True)
    for refused in (0, MAX_LIMIT + 1):
        resp = owner.get("/api/v1/search", ws=ws, params={"q": "edge", "limit": refused})
        assert resp.status_code == 422
        assert resp.json()["error"]["details"][0]["field"] == "query.limit"


def test_kinds_choose_the_groups(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    acme_records(owner, ws)
    chosen = search(owner, ws, "acm", kinds="departments,customers")
    assert [g["kind"] for g in chosen["groups"]] == ["customers", "departments"]
    repeated = owner.get(
        "/api/v1/search", ws=ws, params=[("q", "acm"), ("kinds", "tasks"), ("kinds", "projects")]
    )
    assert [g["kind"] for g in repeated.json()["groups"]] == ["projects", "tasks"]
    unknown = owner.get("/api/v1/search", ws=ws, params={"q": "acm", "kinds": "customers,users"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == [
        {"field": "kinds", "message": "unknown value 'users'"}
    ]


def test_only_kinds_the_member_may_read(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    acme_records(owner, ws)
    readable = ["workspace:read", "customers:read", "projects:read"]
    sales = member_with_permissions(factory, Owned(ws, owner), readable)
    found = search(sales, ws, "acm")
    assert labels(found) == {"projects": ["Acme website"], "customers": ["Acme Corp"]}
    # Asking for a kind one may not read finds nothing of it, and says nothing of it.
    assert search(sales, ws, "acm", kinds="employees,invoices")["groups"] == []
    viewer = factory.member(ws, "viewer")
    assert [g["kind"] for g in search(viewer, ws, "acm")["groups"]] == KINDS


def test_employees_found_without_their_salaries(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    new_employee(
        owner, ws, first_name="Grace", last_name="Hopper", salary="90000.00", salary_currency="EUR"
    )
    viewer = factory.member(ws, "viewer")
    body = json.dumps(search(viewer, ws, "grace", kinds="employees"))
    assert "Grace Hopper" in body
    assert "90000" not in body
    assert "salary" not in body


def test_access_anonymous_stranger_and_role(factory: Factory, owner: Actor) -> None:
    ws = factory.workspace(owner)
    new_customer(owner, ws, name="Acme Corp")
    anonymous = factory.http.get(
        "/api/v1/search", params={"q": "acme"}, headers={"X-Workspace-Id": str(ws["id"])}
    )
    assert anonymous.status_code == 401
    stranger = factory.user()
    outside = stranger.get("/api/v1/search", ws=ws, params={"q": "acme"})
    assert outside.status_code == 404
    assert "Acme" not in outside.text
    limited = member_with_permissions(factory, Owned(ws, owner), ["customers:read"])
    refused = limited.get("/api/v1/search", ws=ws, params={"q": "acme"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_the_wall_between_workspaces_of_the_same_names(
    factory: Factory, owner: Actor, sql: Sql
) -> None:
    ws_a = factory.workspace(owner, "Twins")
    ws_b = factory.workspace(owner, "Twins")
    made_a = acme_records(owner, ws_a)
    made_b = acme_records(owner, ws_b)
    ids_a = {r["id"] for r in made_a.values()}
    ids_b = {r["id"] for r in made_b.values()}
    for q in ("acm", "WEB-1", made_a["invoice"]["number"], "wile", "billing@acme"):
        found_a = hit_ids(search(owner, ws_a, q))
        found_b = hit_ids(search(owner, ws_b, q))
        assert found_a, q
        assert found_a <= ids_a, q
        assert found_b <= ids_b, q
        assert not found_a & ids_b, q

    # The database's own wall: the search's statement, as the app role, asking for A's rows
    # from inside B's context (or from none) sees nothing.
    statement = (
        f"SELECT c.id FROM customers c WHERE c.workspace_id = %s"
        f" AND {document('c')} @@ {tsquery('%s')}"
    )
    query = prefix_query("acme")
    own = sql.app(statement, ws_a["id"], query, workspace=ws_a["id"])
    assert [str(r["id"]) for r in own] == [made_a["customer"]["id"]]
    assert sql.app(statement, ws_a["id"], query, workspace=ws_b["id"]) == []
    assert sql.app(statement, ws_a["id"], query) == []
