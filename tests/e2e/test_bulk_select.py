"""In a real browser: the select-all box of a list ticks every row, and the bulk bar acts."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import sign_in
from tests.factories import Factory
from tests.projects.helpers import new_project, new_task

NewContext = Callable[[], BrowserContext]


def test_select_all_then_mark_done(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    project = new_project(owner, ws)
    titles = ["Wireframes", "Copy", "Launch"]
    for title in titles:
        new_task(owner, ws, project, title=title)
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/projects/{project['id']}")
    every = page.get_by_label("Select every task of this page")
    expect(every).to_be_visible()
    every.check()
    for title in titles:
        expect(
            page.get_by_label(title, exact=False).and_(page.locator("[name=ids]"))
        ).to_be_checked()
    page.get_by_role("button", name="Mark chosen done").click()
    expect(page.get_by_text("3 tasks moved to Done.")).to_be_visible()
    tasks = owner.get(f"/api/v1/projects/{project['id']}/tasks", ws=ws).json()["items"]
    assert sorted(t["status"] for t in tasks) == ["done", "done", "done"]
