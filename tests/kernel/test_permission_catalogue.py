"""GET /api/v1/permissions lists the catalogue to any signed-in user."""

from __future__ import annotations

import httpx

from atlas.tenancy.permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS
from tests.factories import Factory


def test_anonymous_gets_401(client: httpx.Client) -> None:
    assert client.get("/api/v1/permissions").status_code == 401


def test_the_catalogue_lists_every_permission_and_the_built_in_roles(factory: Factory) -> None:
    body = factory.user().get("/api/v1/permissions").json()
    assert body["permissions"] == sorted(ALL_PERMISSIONS)
    assert [r["name"] for r in body["roles"]] == ["owner", "admin", "member", "viewer"]
    viewer = next(r for r in body["roles"] if r["name"] == "viewer")
    assert set(viewer["permissions"]) == ROLE_PERMISSIONS["viewer"]
    assert "hr:salary" not in viewer["permissions"]
    assert "workspace:export" in body["roles"][0]["permissions"]
