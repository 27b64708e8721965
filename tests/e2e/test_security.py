"""In a real browser: escaping, and the workspace wall as users meet it."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Dialog, expect

from tests.e2e.conftest import shot, sign_in
from tests.factories import Factory

XSS = "<script>alert(1)</script>"

NewContext = Callable[[], BrowserContext]


def test_a_script_in_a_name_renders_as_text(factory: Factory, new_context: NewContext) -> None:
    owner = factory.user()
    ws = factory.workspace(owner, name=XSS)
    owner.post("/api/v1/projects", ws=ws, json={"code": "XSS", "name": XSS})
    page = new_context().new_page()
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    sign_in(page, owner.email)
    page.goto(f"/w/{ws['slug']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    page.goto(f"/w/{ws['slug']}/projects")
    shot(page, "xss-renders-as-text")
    assert dialogs == []
    assert page.locator("script", has_text="alert(1)").count() == 0


def test_another_workspace_url_shows_the_404_page(
    factory: Factory, new_context: NewContext
) -> None:
    member = factory.user()
    mine = factory.workspace(member)
    theirs = factory.workspace(factory.user())
    page = new_context().new_page()
    sign_in(page, member.email)
    page.goto(f"/w/{mine['slug']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(mine["name"])
    response = page.goto(f"/w/{theirs['slug']}/customers")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Page not found")
    assert theirs["name"] not in page.content()
    shot(page, "another-workspace-404")


def test_a_removed_member_loses_access_on_the_next_click(
    factory: Factory, new_context: NewContext
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    member = factory.member(ws, "member")
    page = new_context().new_page()
    sign_in(page, member.email)
    page.goto(f"/w/{ws['slug']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ws["name"])
    members = owner.get("/api/v1/members", ws=ws, params={"q": member.email}).json()["items"]
    assert owner.delete(f"/api/v1/members/{members[0]['id']}", ws=ws).status_code == 204
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Page not found")
    shot(page, "removed-member")
