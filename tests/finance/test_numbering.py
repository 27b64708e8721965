"""Invoice numbers: gapless per workspace and year, no duplicates under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.factories import Actor, Factory
from tests.finance.helpers import new_customer, new_invoice, today_utc


async def _issue_all(base_url: str, jobs: list[tuple[Actor, dict[str, Any], str]]) -> list[Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        return await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/invoices/{invoice_id}/issue",
                    headers={
                        "Authorization": f"Bearer {actor.token}",
                        "X-Workspace-Id": str(ws["id"]),
                    },
                )
                for actor, ws, invoice_id in jobs
            )
        )


def _drafts(factory: Factory, count: int) -> tuple[Actor, dict[str, Any], list[str]]:
    owner = factory.user()
    ws = factory.workspace(owner)
    customer = new_customer(owner, ws)
    return owner, ws, [new_invoice(owner, ws, customer)["id"] for _ in range(count)]


def test_fifty_concurrent_issues_get_one_to_fifty(factory: Factory) -> None:
    owner, ws, drafts = _drafts(factory, 50)
    admin = factory.member(ws, "admin")
    jobs = [(owner if i % 2 else admin, ws, invoice_id) for i, invoice_id in enumerate(drafts)]
    responses = asyncio.run(_issue_all(factory.base_url, jobs))
    assert [r.status_code for r in responses] == [200] * 50
    year = today_utc().year
    assert sorted(r.json()["number"] for r in responses) == [
        f"INV-{year}-{n:04d}" for n in range(1, 51)
    ]
    counter = factory.sql.owner(
        "SELECT last_value FROM number_sequences WHERE workspace_id = %s AND name = %s",
        ws["id"],
        f"invoice-{year}",
        workspace=ws["id"],
    )
    assert counter == [{"last_value": 50}]


def test_two_workspaces_number_independently_at_once(factory: Factory) -> None:
    owner_a, ws_a, drafts_a = _drafts(factory, 20)
    owner_b, ws_b, drafts_b = _drafts(factory, 20)
    jobs = [
        job
        for pair in zip(
            [(owner_a, ws_a, d) for d in drafts_a],
            [(owner_b, ws_b, d) for d in drafts_b],
            strict=True,
        )
        for job in pair
    ]
    responses = asyncio.run(_issue_all(factory.base_url, jobs))
    assert [r.status_code for r in responses] == [200] * 40
    year = today_utc().year
    expected = [f"INV-{year}-{n:04d}" for n in range(1, 21)]
    assert sorted(r.json()["number"] for r in responses[0::2]) == expected
    assert sorted(r.json()["number"] for r in responses[1::2]) == expected


def test_concurrent_issues_of_one_draft_number_it_once(factory: Factory) -> None:
    owner, ws, drafts = _drafts(factory, 1)
    responses = asyncio.run(_issue_all(factory.base_url, [(owner, ws, drafts[0])] * 10))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    year = today_utc().year
    assert new_invoice(owner, ws, new_customer(owner, ws))["number"] is None
    counter = factory.sql.owner(
        "SELECT last_value FROM number_sequences WHERE workspace_id = %s AND name = %s",
        ws["id"],
        f"invoice-{year}",
        workspace=ws["id"],
    )
    assert counter == [{"last_value": 1}]
