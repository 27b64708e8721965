"""The cross-tenant attack matrix, generated from the OpenAPI document and the page routes.

The owner of workspace A holds every permission, so any refusal can only come from
isolation. They name B's objects (and random ids) in every id parameter of every route:
in the path, in the query and in the body, with the rest of the request built from the
route's request schema and A's own objects. Every attempt must be refused (404, or 422
for a malformed or foreign id in a query or body), a list filtered by B's ids must be
empty, and afterwards every tenant row of A and B must be exactly as before. A new route
is attacked without anyone remembering it; a new id parameter whose kind is unknown
fails the test until `helpers.KINDS` names it.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from atlas.db.ids import uuid7
from atlas.web.app import PAGE_ROUTERS
from tests.factories import PASSWORD, Factory
from tests.hr.helpers import monday
from tests.security.helpers import KINDS, World, is_id_name, snapshot
from tests.sql import Sql
from tests.web.helpers import Browser
from tests.workspaces.helpers import bearer, invite, member_id, workspace_token

# Routes with an id parameter that are deliberately not attacked, with the reason. None
# today: even the caller's own account routes are attacked (B's session, B's invitations).
SKIPPED: dict[tuple[str, str], str] = {}
# Fields an update schema carries in its body besides the required ones, so that the
# request is a real change.
HARMLESS = ("name", "title", "description", "notes", "job_title")
# A form's plausible fields, so that a post reaches its look-up (forms ignore the others).
PAGE_FORM = {"role": "viewer"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[dict[str, Any], ...]
    body: dict[str, Any] | None

    def names(self, where: str) -> list[str]:
        return [p["name"] for p in self.parameters if p["in"] == where]

    def id_params(self) -> list[tuple[str, str]]:
        """(where, name) of every parameter and body field that names an object."""
        path = [("path", name) for name in self.names("path")]
        query = [("query", name) for name in self.names("query") if is_id_name(name)]
        fields = (self.body or {}).get("properties", {})
        return path + query + [("body", name) for name in fields if is_id_name(name)]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Attempt:
    op: Operation
    where: str
    name: str
    value: str
    own_kind: bool  # the value is B's object of the kind the parameter names

    def __str__(self) -> str:
        return f"{self.op} {self.where}.{self.name}={self.value}"


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind a `$ref` or the non-null branch of an `anyOf`."""
    while True:
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def operations(doc: dict[str, Any]) -> list[Operation]:
    ops = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            body = _resolve(doc, content["schema"]) if content else None
            ops.append(Operation(method.upper(), path, tuple(op.get("parameters", ())), body))
    return ops


class Requests:
    """Builds A-scoped requests with plausible values, and A's ids where an id is needed;
    A's owner sends them with `headers` (a workspace token's, or none: the session)."""

    def __init__(self, doc: dict[str, Any], a: World, b: World, headers: dict[str, str]) -> None:
        self.doc, self.a, self.b, self.headers = doc, a, b, headers

    def value(self, name: str, schema: dict[str, Any]) -> Any:
        schema = _resolve(self.doc, schema)
        tag = secrets.token_hex(3)
        plausible: dict[str, Any] = {
            "email": f"x-{tag}@example.com",
            "work_email": f"w-{tag}@example.com",
            "password": PASSWORD,
            "current_password": PASSWORD,
            "new_password": PASSWORD + "!",
            "name": f"name-{tag}",
            "code": f"C{tag.upper()}",
            "confirm": self.b.aliases["workspace"],
            "permissions": ["customers:read"],
            "yearly_allowance_days": "5",
            "amount": "1.00",
            "hours": "1",
            "entry_date": "2026-03-03",
            "start_date": monday(30).isoformat(),
            "end_date": monday(30).isoformat(),
            "from": "2026-03-01",
            "to": "2026-03-31",
        }
        if name in plausible:
            return plausible[name]
        if name in KINDS:
            return self.a.ref(KINDS[name], name)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            return self.body(schema)
        if kind == "array" and schema.get("minItems"):  # a credit note's lines, one at least
            return [self.value(f"{name}[]", schema.get("items", {}))] * schema["minItems"]
        defaults = {"integer": 1, "number": "1", "boolean": False, "array": []}
        if kind in defaults:
            return defaults[kind]
        return "2026-03-03" if schema.get("format") == "date" else f"text {tag}"

    def body(self, schema: dict[str, Any]) -> dict[str, Any]:
        fields = schema.get("properties", {})
        wanted = [*schema.get("required", ()), *(n for n in HARMLESS if n in fields)]
        return {name: self.value(name, fields[name]) for name in dict.fromkeys(wanted)}

    def send(self, attempt: Attempt) -> httpx.Response:
        op = attempt.op
        names = op.names("path")
        refs = {n: self.a.ref(KINDS[n], n) if n in KINDS else str(uuid7()) for n in names}
        params = {
            p["name"]: self.value(p["name"], p.get("schema", {}))
            for p in op.parameters
            if p["in"] == "query" and p.get("required")
        }
        body = self.body(op.body) if op.body is not None else None
        target = {"path": refs, "query": params, "body": body}[attempt.where]
        assert target is not None
        target[attempt.name] = attempt.value
        return self.a.owner.request(
            op.method,
            op.path.format(**refs),
            ws=self.a.ws,
            headers=self.headers,
            params=params,
            json=body,
        )


def attempts(op: Operation, b: World) -> list[Attempt]:
    """B's object of the parameter's kind, then every other id of B and a random id."""
    found = []
    for where, name in op.id_params():
        own = b.refs(KINDS[name], name) if name in KINDS else []
        others = [v for v in [*b.values(), str(uuid7())] if v not in own]
        found += [Attempt(op, where, name, value, value in own) for value in own + others]
    return found


def verdict(attempt: Attempt, resp: httpx.Response) -> str | None:
    """None if the attempt was refused as it should be, else what went wrong."""
    status = resp.status_code
    if attempt.where == "query" and attempt.op.method == "GET" and status == 200:
        page = resp.json()
        if page.get("items") == [] and page.get("total") == 0:
            return None
        return f"200 with a non-empty page: {resp.text[:300]}"
    if status == 404:
        return None
    strict = attempt.where == "path" and attempt.own_kind  # a well-formed id of the right kind
    if status == 422 and not strict:
        error = resp.json()["error"]
        fields = [d.get("field", "") for d in error.get("details", ())]
        if error["code"] != "validation_error" or any(attempt.name in f for f in fields):
            return None
        return f"422 about other fields {fields}: the attack never reached the look-up"
    return f"{status}: {resp.text[:300]}"


def _token_refusal(resp: httpx.Response) -> bool:
    """A workspace token's or an API key's own refusals: of an account route, of a URL
    naming another workspace than the credential's (both before any look-up: they reveal
    nothing of B)."""
    codes = {"session_required", "workspace_mismatch"}
    return resp.status_code == 403 and resp.json()["error"]["code"] in codes


def _their_right_in_b(attempt: Attempt) -> bool:
    """For a caller who also belongs to B: naming B itself, or answering one's own
    invitation to B, is no attack."""
    names_b = KINDS.get(attempt.name) == "workspace"
    return names_b or attempt.op.path.startswith("/api/v1/me/invitations/")


@pytest.mark.parametrize(
    ("also_in_b", "credential"),
    [(False, "session"), (True, "session"), (False, "workspace-token"), (False, "api-key")],
    ids=["strangers", "members-of-both", "workspace-token", "api-key"],
)
def test_every_id_parameter_of_the_api_is_isolated(
    server: str,
    factory: Factory,
    sql: Sql,
    world_a: World,
    world_b: World,
    also_in_b: bool,
    credential: str,
) -> None:
    """With `also_in_b`, A's owner is also a viewer of B and B has invited A's owner:
    row-level security then shows them their own membership and invitations in B, so
    only the repositories' workspace filters stand between A's routes and those rows.
    A's owner sends the session, or a workspace token of A, or their API key of A (role
    owner)."""
    doc = httpx.get(f"{server}/api/openapi.json").json()
    ops = [op for op in operations(doc) if op.id_params()]
    unmapped = sorted(
        f"{op} {where}.{name}"
        for op in ops
        if (op.method, op.path) not in SKIPPED
        for where, name in op.id_params()
        if name not in KINDS
    )
    assert not unmapped, f"id parameters of unknown kind (name them in helpers.KINDS): {unmapped}"

    if also_in_b:
        invitation = invite(world_b.owner, world_b.ws, world_a.owner.email, "viewer")
        factory.add_member(world_b.ws, world_a.owner, "viewer")
        world_b.ids["own_invitation"] = invitation["id"]
        world_b.ids["own_membership"] = member_id(factory, world_b.ws, world_a.owner)
    with_token = credential != "session"
    headers: dict[str, str] = {}
    if credential == "workspace-token":
        headers = bearer(workspace_token(world_a.owner, world_a.ws))
    elif credential == "api-key":
        headers = bearer(world_a.api_key)
    requests = Requests(doc, world_a, world_b, headers)
    before = snapshot(sql, world_a.ws), snapshot(sql, world_b.ws)
    failures: list[str] = []
    outcomes: Counter[str] = Counter()
    covered = [op for op in ops if (op.method, op.path) not in SKIPPED]
    tried = 0
    for op in covered:
        for attempt in attempts(op, world_b):
            if also_in_b and _their_right_in_b(attempt):
                continue
            resp = requests.send(attempt)
            tried += 1
            outcomes[f"{attempt.where} {resp.status_code}"] += 1
            problem = None if with_token and _token_refusal(resp) else verdict(attempt, resp)
            shown = [name for name in world_b.leaks(resp.text) if name not in attempt.value]
            if shown:  # an echo of the value sent is no leak
                problem = f"B's {shown} in the answer: {resp.text[:300]}"
            if problem:
                failures.append(f"{attempt}: {problem}")
    summary = (
        f"attack matrix ({also_in_b=}, {credential=}): {len(covered)} routes, {tried} attempts,"
        f" outcomes {dict(outcomes)}"
    )
    print(summary)
    assert not failures, f"{summary}; {len(failures)} not refused:\n" + "\n".join(failures)
    assert snapshot(sql, world_b.ws) == before[1], "B's rows changed"
    assert snapshot(sql, world_a.ws) == before[0], "A's rows changed"
    assert world_b.owner.get("/api/v1/auth/session").status_code == 200, summary


# Path parameters that name no object but a fixed word of the page (the type-ahead's kind).
FIXED_PATH_WORDS = {"{kind}": "customers"}


def _fixed(path: str) -> str:
    for name, word in FIXED_PATH_WORDS.items():
        path = path.replace(name, word)
    return path


def all_page_routes() -> list[tuple[str, str]]:
    """(method, path) of every page route of a workspace or with an object id, fixed words
    filled in."""
    return sorted(
        (method, _fixed(route.path))
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "{" in route.path
        for method in route.methods or ()
    )


def page_routes() -> list[tuple[str, str]]:
    """(method, path) of every page route that takes an object id."""
    return [
        (method, path)
        for method, path in all_page_routes()
        if set(re.findall(r"{(\w+)}", path)) - {"workspace_ref"}
    ]


@pytest.mark.parametrize("also_in_b", [False, True], ids=["strangers", "members-of-both"])
def test_pages_refuse_ids_of_another_workspace(
    server: str, factory: Factory, sql: Sql, world_a: World, world_b: World, also_in_b: bool
) -> None:
    """B's ids under A's slug, and A's ids under B's slug, are the 404 page; also for a
    caller who owns both workspaces."""
    if also_in_b:
        factory.add_member(world_b.ws, world_a.owner, "owner")
    routes = page_routes()
    unmapped = {n for _, path in routes for n in re.findall(r"{(\w+)}", path)} - KINDS.keys()
    assert not unmapped, f"page id parameters of unknown kind: {unmapped}"
    before = snapshot(sql, world_a.ws), snapshot(sql, world_b.ws)
    browser = Browser(server, world_a.owner)
    failures = []
    tried = 0
    try:
        for method, path in routes:
            names = set(re.findall(r"{(\w+)}", path)) - {"workspace_ref"}
            mixes = [(world_a, world_b)]
            if "{workspace_ref}" in path:
                mixes.append((world_b, world_a))
            for slug_of, ids_of in mixes:
                refs = {n: ids_of.ref(KINDS[n], n) for n in names}
                url = path.format(workspace_ref=slug_of.aliases["workspace"], **refs)
                resp = browser.get(url) if method == "GET" else browser.post(url, PAGE_FORM)
                tried += 1
                shown = world_b.leaks(resp.text)
                if also_in_b and slug_of is world_b:
                    # A member of B on B's 404 page: its header names B, and nothing else.
                    shown = [name for name in shown if name != world_b.ws["name"]]
                if resp.status_code != 404 or shown:
                    failures.append(f"{method} {url}: {resp.status_code} {shown}")
    finally:
        browser.close()
    summary = f"pages ({also_in_b=}): {len(routes)} routes, {tried} attempts"
    print(summary)
    assert not failures, f"{summary}; not refused:\n" + "\n".join(failures)
    assert (snapshot(sql, world_a.ws), snapshot(sql, world_b.ws)) == before


def _text(resp: httpx.Response) -> str:
    """The answer as text; a ZIP (the export) as the text of all its files."""
    if not resp.content.startswith(b"PK"):
        return resp.text
    with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def test_every_list_and_the_export_of_a_show_nothing_of_b(
    server: str, world_a: World, world_b: World
) -> None:
    """Every GET route without path parameters, as A's owner in A."""
    doc = httpx.get(f"{server}/api/openapi.json").json()
    ops = [op for op in operations(doc) if op.method == "GET" and not op.names("path")]
    failures = []
    for op in ops:
        resp = world_a.owner.get(op.path, ws=world_a.ws)
        text = _text(resp)
        shown = [v for v in world_b.ids.values() if v in text] + world_b.leaks(text)
        if resp.status_code >= 500 or shown:
            failures.append(f"{op}: {resp.status_code}, shows B's {shown}")
    exported = world_a.owner.get("/api/v1/workspace/export", ws=world_a.ws)
    assert world_a.ids["project"] in _text(exported)  # the check reads what the export holds
    assert not failures, f"{len(ops)} routes; " + "\n".join(failures)


def page_query_names() -> list[str]:
    """Every query parameter name that names an object."""
    return sorted(name for name in KINDS if name not in {"workspace_ref", "key"})


def test_pages_of_a_show_nothing_of_b_whatever_the_query(
    server: str, world_a: World, world_b: World
) -> None:
    """Every GET page of A, with each id query parameter naming B's object in turn."""
    pages = [path for method, path in all_page_routes() if method == "GET"]
    browser = Browser(server, world_a.owner)
    failures, tried = [], 0
    try:
        for path in pages:
            names = set(re.findall(r"{(\w+)}", path)) - {"workspace_ref"}
            refs = {n: world_a.ref(KINDS[n], n) for n in names}
            url = path.format(workspace_ref=world_a.aliases["workspace"], **refs)
            for name in page_query_names():
                resp = browser.get(url, params={name: world_b.ref(KINDS[name], name)})
                tried += 1
                if resp.status_code >= 500 or world_b.leaks(resp.text):
                    failures.append(f"{url}?{name}: {resp.status_code} {world_b.leaks(resp.text)}")
    finally:
        browser.close()
    summary = f"page queries: {len(pages)} pages, {tried} attempts"
    print(summary)
    assert not failures, f"{summary}; " + "\n".join(failures)


def _last_if_destructive(route: tuple[str, str]) -> tuple[bool, str]:
    return (route[1].rsplit("/", 1)[-1] in {"delete", "remove", "cancel", "void"}, route[1])


def test_page_forms_of_a_take_no_ids_of_b(
    server: str, sql: Sql, world_a: World, world_b: World
) -> None:
    """Every form of A's pages, filled in with every id field naming B's object."""
    tag = secrets.token_hex(3)
    form = {
        **PAGE_FORM,
        **{name: world_b.ref(KINDS[name], name) for name in page_query_names()},
        "name": f"Form {tag}",
        "code": f"F{tag.upper()}",
        "title": "A title",
        "first_name": "Grace",
        "last_name": f"Hopper {tag}",
        "work_email": f"form-{tag}@example.com",
        "email": f"form-{tag}@example.com",
        "yearly_allowance_days": "5",
        "amount": "1.00",
        "hours": "1",
        "entry_date": "2026-03-04",
        "start_date": monday(31).isoformat(),
        "end_date": monday(31).isoformat(),
        "from": "2026-03-01",
        "to": "2026-03-31",
    }
    routes = sorted(
        (r for r in all_page_routes() if r[0] == "POST" and "{workspace_ref}" in r[1]),
        key=_last_if_destructive,
    )
    before = snapshot(sql, world_b.ws)
    browser = Browser(server, world_a.owner)
    failures = []
    try:
        for _, path in routes:
            names = set(re.findall(r"{(\w+)}", path)) - {"workspace_ref"}
            refs = {n: world_a.ref(KINDS[n], n) for n in names}
            url = path.format(workspace_ref=world_a.aliases["workspace"], **refs)
            resp = browser.post(url, form)
            if resp.status_code >= 500 or world_b.leaks(resp.text):
                failures.append(f"POST {url}: {resp.status_code} {world_b.leaks(resp.text)}")
    finally:
        browser.close()
    print(f"page forms: {len(routes)} forms")
    assert not failures, f"{len(routes)} forms; " + "\n".join(failures)
    assert snapshot(sql, world_b.ws) == before
