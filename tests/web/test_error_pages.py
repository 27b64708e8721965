"""Error pages keep the caller's header: a signed-in user sees their menu (and, inside a
workspace they belong to, its navigation), and a refused permission is said in plain
words with whom to ask."""

from __future__ import annotations

import re

from tests.factories import Factory
from tests.finance.helpers import new_tenant
from tests.web.conftest import BrowserFor
from tests.web.helpers import CSRF, text


def test_a_refused_permission_keeps_the_header_and_says_what_and_whom_to_ask(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    member = factory.member(t.ws, "member")
    page = browser_for(member).get(f"/w/{t.ws['slug']}/invoices/new")
    assert page.status_code == 403
    assert 'id="user-menu"' in page.text
    assert 'aria-label="Workspace"' in page.text  # the workspace's navigation
    assert f'href="/w/{t.ws["slug"]}/invoices"' in page.text  # what the member may open
    assert f'href="/w/{t.ws["slug"]}/journal"' not in page.text  # and not what they may not
    message = re.search(r'<p id="error-message">([^<]*)</p>', page.text)
    assert message
    assert message.group(1) == (
        f"Your role in {t.ws['name']}, member, does not let you change invoices"
        " (invoices:write). An owner or an admin of the workspace can give you a role that does."
    )
    assert f"Back to the dashboard of {t.ws['name']}" in text(page)
    # The header's sign-out works from here: its form carries the session's token.
    token = re.search(rf'name="{CSRF}" value="([^"]+)"', page.text)
    assert token


def test_a_stranger_keeps_their_header_on_the_not_found_page(
    factory: Factory, browser_for: BrowserFor
) -> None:
    t = new_tenant(factory)
    stranger = factory.user()
    page = browser_for(stranger).get(f"/w/{t.ws['slug']}/invoices")
    assert page.status_code == 404
    assert 'id="user-menu"' in page.text
    assert 'aria-label="Workspace"' not in page.text  # not theirs: no workspace navigation
    assert "Go to my workspaces" in text(page)
    assert t.ws["name"] not in page.text
    anonymous = browser_for(None).get("/no-such-page")
    assert anonymous.status_code == 404
    assert 'id="user-menu"' not in anonymous.text
    assert 'href="/sign-in"' in anonymous.text
