"""Black-box: the demo served by `atlas-erp serve --demo`, probed only through HTTP.

Signed in to each demo workspace, a user finds no way to read or change the other
workspace's projects, tasks, members or invitations — not even Sam, who belongs to both,
while working in one of them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from atlas.config import Settings
from atlas.demo import DEMO_PASSWORD, DEMO_USERS
from tests.process import cli_env, serving

pytestmark = pytest.mark.pg_matrix


@pytest.fixture
def demo(empty_database: Settings, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving(["--demo"], cli_env(empty_database), tmp_path / "server.log") as running:
        yield running


# Resources whose rows are probed alike by id: read, change (an empty change), delete.
CHANGEABLE = ("GET", "PATCH", "DELETE")
GENERIC_KINDS = {
    "departments": CHANGEABLE,
    "employees": CHANGEABLE,
    "leave-types": CHANGEABLE,
    "leave-requests": ("GET",),
    "customers": CHANGEABLE,
    "invoices": CHANGEABLE,
    "time-entries": CHANGEABLE,
}


class Visitor:
    def __init__(self, base: str, email: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        signed = self.http.post(
            "/api/v1/auth/sign-in", json={"email": email, "password": DEMO_PASSWORD}
        )
        assert signed.status_code == 200, signed.text
        self.http.cookies.clear()
        self.auth = {"Authorization": f"Bearer {signed.json()['token']}"}
        self.workspaces = {w["name"]: w for w in self.get("/api/v1/workspaces").json()["items"]}

    def call(self, method: str, path: str, ws: str | None = None, **kw: Any) -> httpx.Response:
        headers = dict(self.auth)
        if ws is not None:
            headers["X-Workspace-Id"] = self.workspaces[ws]["id"]
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, ws: str | None = None) -> httpx.Response:
        return self.call("GET", path, ws)

    def snapshot(self, ws: str) -> dict[str, Any]:
        """Everything of a workspace that the probes could touch, as its members see it."""
        return {
            name: self.get(f"/api/v1/{name}?limit=200", ws).json()["items"]
            for name in ("projects", "tasks", "members", "invitations", *GENERIC_KINDS)
        }


def test_the_demo_prints_its_sign_ins_and_loads_both_workspaces(
    demo: tuple[str, subprocess.Popen[str]],
) -> None:
    base, _ = demo
    olivia, gordon, sam = (Visitor(base, user.email) for user in DEMO_USERS)
    assert list(olivia.workspaces) == ["Acme Corp"]
    assert list(gordon.workspaces) == ["Globex"]
    assert sorted(sam.workspaces) == ["Acme Corp", "Globex"]
    for visitor in (olivia, gordon, sam):
        assert visitor.get("/api/v1/auth/session").json()["user"]["email_verified"] is True
    acme = olivia.snapshot("Acme Corp")
    assert {p["code"] for p in acme["projects"]} == {"WEB", "OPS"}
    assert len(acme["invitations"]) == 1
    globex = gordon.snapshot("Globex")
    assert {t["key"] for t in globex["tasks"]} >= {"HYD-1", "HYD-2", "MKT-1"}
    assert {i["status"] for i in acme["invoices"]} == {"draft", "issued", "paid", "void"}
    assert [e["number"] for e in acme["employees"]] == ["EMP-0001", "EMP-0002", "EMP-0003"]
    assert len(acme["leave-requests"]) == 1
    assert len(globex["time-entries"]) == 3


def test_the_demo_books_span_months_and_the_accountant_keeps_them(
    demo: tuple[str, subprocess.Popen[str]],
) -> None:
    base, _ = demo
    olivia = Visitor(base, DEMO_USERS[0].email)
    invoices = olivia.get("/api/v1/invoices?limit=200", "Acme Corp").json()["items"]
    assert len({i["issue_date"][:7] for i in invoices if i["issue_date"]}) >= 3
    notes = olivia.get("/api/v1/credit-notes", "Acme Corp").json()["items"]
    assert [(n["reason"], n["invoice_id"]) for n in notes] == [
        ("Void", next(i["id"] for i in invoices if i["status"] == "void"))
    ]
    accountant = olivia.get("/api/v1/roles/accountant", "Acme Corp").json()["permissions"]
    books = {"accounts:manage", "ledger:read", "ledger:post", "reports:read"}
    assert books <= set(accountant)
    assert "books:lock" not in accountant


def test_no_way_across_from_either_demo_workspace(
    demo: tuple[str, subprocess.Popen[str]], empty_database: Settings
) -> None:
    base, proc = demo
    olivia, gordon, sam = (Visitor(base, user.email) for user in DEMO_USERS)
    invited = gordon.call(
        "POST",
        "/api/v1/invitations",
        "Globex",
        json={"email": "x@globex.example", "role": "viewer"},
    )
    assert invited.status_code == 201
    before = {"Acme Corp": olivia.snapshot("Acme Corp"), "Globex": gordon.snapshot("Globex")}
    attempts = 0
    for actor, home, other in (
        (olivia, "Acme Corp", "Globex"),
        (gordon, "Globex", "Acme Corp"),
        (sam, "Acme Corp", "Globex"),
        (sam, "Globex", "Acme Corp"),
    ):
        theirs = before[other]
        mine = actor.snapshot(home)
        # Lists in the home workspace hold none of the other's ids.
        for kind in theirs:
            assert not {r["id"] for r in theirs[kind]} & {r["id"] for r in mine[kind]}
        probes: list[tuple[str, str, dict[str, Any] | None]] = []
        for project in theirs["projects"]:
            probes += [
                ("GET", f"/api/v1/projects/{project['id']}", None),
                ("PATCH", f"/api/v1/projects/{project['id']}", {"name": "taken over"}),
                ("DELETE", f"/api/v1/projects/{project['id']}", None),
                ("GET", f"/api/v1/projects/{project['id']}/tasks", None),
                ("POST", f"/api/v1/projects/{project['id']}/tasks", {"title": "planted"}),
            ]
        for task in theirs["tasks"]:
            probes += [
                ("GET", f"/api/v1/tasks/{task['id']}", None),
                ("GET", f"/api/v1/tasks/by-key/{task['key']}", None),
                ("PATCH", f"/api/v1/tasks/{task['id']}", {"title": "taken over"}),
                ("DELETE", f"/api/v1/tasks/{task['id']}", None),
            ]
        for member in theirs["members"]:
            probes += [
                ("PATCH", f"/api/v1/members/{member['id']}", {"role": "viewer"}),
                ("DELETE", f"/api/v1/members/{member['id']}", None),
            ]
        for kind, methods in GENERIC_KINDS.items():
            for row in theirs[kind]:
                path = f"/api/v1/{kind}/{row['id']}"
                probes += [(m, path, {} if m == "PATCH" else None) for m in methods]
        for invoice in theirs["invoices"]:
            for action in ("issue", "void"):
                probes.append(("POST", f"/api/v1/invoices/{invoice['id']}/{action}", None))
            probes.append(
                ("POST", f"/api/v1/invoices/{invoice['id']}/payments", {"amount": "1.00"})
            )
        for request in theirs["leave-requests"]:
            for action in ("approve", "reject", "cancel"):
                probes.append(("POST", f"/api/v1/leave-requests/{request['id']}/{action}", None))
        for employee in theirs["employees"]:
            probes.append(("GET", f"/api/v1/employees/{employee['id']}/leave-balance", None))
        for invitation in theirs["invitations"]:
            probes += [
                ("POST", f"/api/v1/invitations/{invitation['id']}/resend", None),
                ("POST", f"/api/v1/invitations/{invitation['id']}/cancel", None),
            ]
        for method, path, body in probes:
            resp = actor.call(method, path, home, json=body)
            assert resp.status_code in (403, 404), (method, path, resp.status_code)
            if actor is not sam or resp.status_code == 404:
                assert resp.status_code == 404, (method, path, resp.status_code)
            attempts += 1
        # Naming the other workspace outright (id or slug) is refused to a non-member.
        if other not in actor.workspaces:
            other_ws = (gordon if other == "Globex" else olivia).workspaces[other]
            for ref in (other_ws["id"], other_ws["slug"]):
                for path in ("/api/v1/projects", "/api/v1/members", "/api/v1/invitations"):
                    resp = actor.http.get(path, headers={**actor.auth, "X-Workspace-Id": ref})
                    assert resp.status_code == 404, (path, ref)
                    attempts += 1
                assert actor.get(f"/api/v1/workspaces/{ref}").status_code == 404
    assert attempts > 250
    after = {"Acme Corp": olivia.snapshot("Acme Corp"), "Globex": gordon.snapshot("Globex")}
    assert after == before
    assert proc.poll() is None
