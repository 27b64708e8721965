"""A workspace token acts inside its workspace and nowhere else: it cannot create
workspaces, list or answer invitations, manage the account or its sessions, open the
account pages, or reach another workspace's routes, even of a workspace its user belongs to.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Actor, Factory
from tests.workspaces.helpers import bearer, error_code, invite, workspace_token

# Account actions: (method, path, body). Each needs the session itself.
ACCOUNT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/workspaces", {"name": "Made by a token"}),
    ("GET", "/api/v1/workspaces", None),
    ("POST", "/api/v1/workspaces/active", {"workspace": None}),
    ("POST", "/api/v1/auth/workspace-token", {}),
    ("GET", "/api/v1/me/invitations", None),
    ("GET", "/api/v1/auth/sessions", None),
    ("POST", "/api/v1/auth/sessions/revoke-others", None),
    ("POST", "/api/v1/auth/sign-out", None),
    ("POST", "/api/v1/auth/change-password", {"current_password": "x", "new_password": "y"}),
    ("POST", "/api/v1/members/leave", None),
]


@pytest.fixture
def holder(factory: Factory) -> tuple[Actor, dict[str, Any], dict[str, Any], str]:
    """A user who owns `home` and `other`, with a workspace token for `home`."""
    user = factory.user()
    home = factory.workspace(user)
    other = factory.workspace(user)
    return user, home, other, workspace_token(user, home)


@pytest.mark.parametrize(("method", "path", "body"), ACCOUNT_ROUTES)
def test_a_workspace_token_cannot_act_for_the_account(
    holder: tuple[Actor, dict[str, Any], dict[str, Any], str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    user, _, _, token = holder
    resp = user.http.request(method, path, headers=bearer(token), json=body)
    assert resp.status_code == 403, resp.text
    assert error_code(resp) == "session_required"


def test_a_workspace_token_creates_no_workspace_and_leaves_none(
    factory: Factory, holder: tuple[Actor, dict[str, Any], dict[str, Any], str]
) -> None:
    user, home, _, token = holder
    user.http.post("/api/v1/workspaces", headers=bearer(token), json={"name": "Sneaky"})
    user.http.post("/api/v1/members/leave", headers=bearer(token))
    rows = factory.sql.owner(
        "SELECT workspace_id FROM workspace_members WHERE user_id = %s", user.id, user=user.id
    )
    assert len(rows) == 2
    assert home["id"] in {r["workspace_id"] for r in rows}
    # The token still works where it belongs.
    assert user.http.get("/api/v1/projects", headers=bearer(token)).status_code == 200


def test_a_workspace_token_cannot_answer_an_invitation(factory: Factory) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    invitee = factory.user()
    token = workspace_token(invitee, factory.workspace(invitee))
    invitation = invite(owner, ws, invitee.email)
    for action in ("accept", "reject"):
        resp = invitee.http.post(
            f"/api/v1/me/invitations/{invitation['id']}/{action}", headers=bearer(token)
        )
        assert resp.status_code == 403, resp.text
        assert error_code(resp) == "session_required"
    rows = factory.sql.owner(
        "SELECT status FROM invitations WHERE id = %s", invitation["id"], workspace=ws["id"]
    )
    assert rows == [{"status": "pending"}]


def test_a_workspace_token_reaches_no_other_workspace_of_its_user(
    holder: tuple[Actor, dict[str, Any], dict[str, Any], str],
) -> None:
    user, home, other, token = holder
    for ref in (str(other["id"]), other["slug"]):
        by_path = user.http.get(f"/api/v1/workspaces/{ref}", headers=bearer(token))
        assert by_path.status_code == 403
        assert error_code(by_path) == "workspace_mismatch"
        by_header = user.http.get(
            "/api/v1/projects", headers={**bearer(token), "X-Workspace-Id": ref}
        )
        assert by_header.status_code == 403
        assert error_code(by_header) == "workspace_mismatch"
    assert user.http.get(f"/api/v1/workspaces/{home['slug']}", headers=bearer(token)).json()[
        "id"
    ] == str(home["id"])


@pytest.mark.parametrize("path", ["/account", "/workspaces", "/invitations"])
def test_a_workspace_token_opens_no_account_page(
    holder: tuple[Actor, dict[str, Any], dict[str, Any], str], path: str
) -> None:
    user, _, _, token = holder
    resp = user.http.get(path, headers=bearer(token))
    assert resp.status_code == 403
    assert "session" in resp.text.lower()
