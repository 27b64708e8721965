"""Task numbers per project: no duplicates under concurrency, no gaps after failures."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.factories import Actor, Factory
from tests.projects.helpers import new_project, new_task


async def _create_concurrently(
    base_url: str, actor: Actor, ws: dict[str, Any], project_id: str, count: int
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {actor.token}", "X-Workspace-Id": str(ws["id"])}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(f"/api/v1/projects/{project_id}/tasks", json={"title": f"Task {i}"})
                for i in range(count)
            )
        )


def test_concurrent_creations_get_numbers_one_to_twenty(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    project = new_project(owner, ws, code="RACE")
    other = new_project(owner, ws, code="CALM")
    responses = asyncio.run(_create_concurrently(factory.base_url, member, ws, project["id"], 20))
    assert [r.status_code for r in responses] == [201] * 20
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, 21))
    assert sorted(r.json()["key"] for r in responses) == sorted(f"RACE-{n}" for n in numbers)
    row = factory.sql.owner(
        "SELECT last_task_number FROM projects WHERE id = %s", project["id"], workspace=ws["id"]
    )[0]
    assert row["last_task_number"] == 20
    assert new_task(owner, ws, other)["key"] == "CALM-1"
    assert new_task(owner, ws, project)["key"] == "RACE-21"


def test_a_creation_failing_after_numbering_leaves_no_gap(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    stranger = factory.user()
    project, elsewhere = new_project(owner, ws), new_project(owner, ws)
    foreign_task = new_task(owner, ws, elsewhere)
    assert new_task(owner, ws, project)["number"] == 1
    # Both are refused by foreign keys, after the project's counter was taken.
    not_a_member = owner.post(
        f"/api/v1/projects/{project['id']}/tasks",
        ws=ws,
        json={"title": "x", "assignee_user_id": str(stranger.id)},
    )
    other_project = owner.post(
        f"/api/v1/projects/{project['id']}/tasks",
        ws=ws,
        json={"title": "x", "depends_on_task_id": foreign_task["id"]},
    )
    assert (not_a_member.status_code, other_project.status_code) == (422, 422)
    row = factory.sql.owner(
        "SELECT last_task_number FROM projects WHERE id = %s", project["id"], workspace=ws["id"]
    )[0]
    assert row["last_task_number"] == 1
    assert new_task(owner, ws, project)["number"] == 2
    page = owner.get(f"/api/v1/projects/{project['id']}/tasks", ws=ws).json()
    assert [t["number"] for t in page["items"]] == [1, 2]
