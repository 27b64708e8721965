"""Lists count matching rows up to a cap (atlas.db.query.COUNT_CAP) and no further; past it
`total` is the cap and `total_is_capped` says more rows match. The cap is lowered here so
that a handful of rows reach it."""

from __future__ import annotations

from typing import Any

import pytest

from atlas.db import query
from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task

CAP = 3


@pytest.fixture
def low_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "COUNT_CAP", CAP)


def _page(actor: Actor, ws: dict[str, Any], path: str, **params: Any) -> dict[str, Any]:
    resp = actor.get(path, ws=ws, params=params)
    assert resp.status_code == 200, resp.text
    page: dict[str, Any] = resp.json()
    return page


def test_total_is_exact_up_to_the_cap_and_capped_one_past_it(
    factory: Factory, low_cap: None
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    path = f"/api/v1/projects/{project['id']}/tasks"
    for n in range(CAP - 1):
        new_task(owner, ws, project, title=f"task {n}")
    below = _page(owner, ws, path)
    assert (below["total"], below["total_is_capped"], len(below["items"])) == (CAP - 1, False, 2)
    new_task(owner, ws, project, title="at the cap")
    at = _page(owner, ws, path)
    assert (at["total"], at["total_is_capped"], len(at["items"])) == (CAP, False, CAP)
    new_task(owner, ws, project, title="one past the cap")
    past = _page(owner, ws, path, limit=CAP)
    assert (past["total"], past["total_is_capped"], len(past["items"])) == (CAP, True, CAP)
    # All of them on one short page: the rows end there, the total is exact.
    whole = _page(owner, ws, path)
    assert (whole["total"], whole["total_is_capped"], len(whole["items"])) == (CAP + 1, False, 4)
    # A filter counts its own matches: one task matches, exactly.
    one = _page(owner, ws, path, q="past the cap")
    assert (one["total"], one["total_is_capped"]) == (1, False)


def test_pages_past_the_cap_are_capped_but_the_last_one_knows_the_total(
    factory: Factory, low_cap: None
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    for n in range(CAP + 2):
        new_task(owner, ws, project, title=f"task {n}")
    path = f"/api/v1/projects/{project['id']}/tasks"
    full = _page(owner, ws, path, limit=2, offset=2)
    assert (len(full["items"]), full["total"], full["total_is_capped"]) == (2, CAP, True)
    # The last page is short: the rows end on it, so their number is known exactly.
    last = _page(owner, ws, path, limit=2, offset=4)
    assert (len(last["items"]), last["total"], last["total_is_capped"]) == (1, CAP + 2, False)
    beyond = _page(owner, ws, path, limit=2, offset=10)
    assert (beyond["items"], beyond["total"], beyond["total_is_capped"]) == ([], CAP, True)


def test_the_cap_holds_for_a_workspace_wide_list(factory: Factory, low_cap: None) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    for _ in range(CAP + 1):
        new_project(owner, ws)
    page = _page(owner, ws, "/api/v1/projects", limit=2)
    assert (len(page["items"]), page["total"], page["total_is_capped"]) == (2, CAP, True)
