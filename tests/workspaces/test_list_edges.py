"""The lists of workspaces, members and invitations at the edges of a page (the list
convention's limits, shared with every list)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Actor, Factory
from tests.workspaces.helpers import error_code, invite, tag

# path, whether it is the workspace's (sent with its id) or the account's
LISTS = [
    ("/api/v1/workspaces", False),
    ("/api/v1/members", True),
    ("/api/v1/invitations", True),
    ("/api/v1/me/invitations", False),
]


def _two_of_each(factory: Factory) -> tuple[Actor, dict[str, Any]]:
    """A caller with two workspaces, two members, two invitations sent and two received."""
    owner = factory.user()
    ws = factory.workspace(owner)
    factory.workspace(owner)
    factory.member(ws, "viewer")
    for _ in range(2):
        invite(owner, ws, f"invitee-{tag()}@example.com")
        inviter = factory.user()
        invite(inviter, factory.workspace(inviter), owner.email)
    return owner, ws


def _get(owner: Actor, ws: dict[str, Any], path: str, scoped: bool, **params: Any) -> Any:
    return owner.get(path, ws=ws if scoped else None, params=params)


@pytest.mark.parametrize(("path", "scoped"), LISTS)
def test_a_page_holds_up_to_200_rows_and_no_more(factory: Factory, path: str, scoped: bool) -> None:
    owner, ws = _two_of_each(factory)
    full = _get(owner, ws, path, scoped, limit=200)
    assert full.status_code == 200
    assert (len(full.json()["items"]), full.json()["total"], full.json()["limit"]) == (2, 2, 200)
    too_many = _get(owner, ws, path, scoped, limit=201)
    assert too_many.status_code == 422
    assert error_code(too_many) == "validation_error"
    assert [d["field"] for d in too_many.json()["error"]["details"]] == ["query.limit"]


@pytest.mark.parametrize(("path", "scoped"), LISTS)
def test_an_offset_past_the_end_is_an_empty_page_with_the_total(
    factory: Factory, path: str, scoped: bool
) -> None:
    owner, ws = _two_of_each(factory)
    last = _get(owner, ws, path, scoped, limit=1, offset=1).json()
    assert (len(last["items"]), last["total"]) == (1, 2)
    past = _get(owner, ws, path, scoped, limit=1, offset=5).json()
    assert (past["items"], past["total"], past["limit"], past["offset"]) == ([], 2, 1, 5)


@pytest.mark.parametrize(
    ("path", "scoped", "allowed"),
    [
        ("/api/v1/workspaces", False, "created_at, name, role, slug"),
        ("/api/v1/members", True, "created_at, email, name, role"),
        ("/api/v1/invitations", True, "created_at, email, expires_at, status"),
    ],
)
def test_an_unknown_sort_key_is_refused_with_the_keys_to_use(
    factory: Factory, path: str, scoped: bool, allowed: str
) -> None:
    owner, ws = _two_of_each(factory)
    resp = _get(owner, ws, path, scoped, sort="created_at,-token_hash")
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == f"Cannot sort by 'token_hash'. Sort by one of: {allowed}."
    assert error["details"] == [{"field": "sort", "message": "unknown sort key 'token_hash'"}]
