"""The workspace routes are documented in the OpenAPI schema."""

from __future__ import annotations

import httpx


def test_workspace_routes_are_documented(client: httpx.Client) -> None:
    spec = client.get("/api/openapi.json").json()
    expected = {
        ("/api/v1/workspaces", "post"),
        ("/api/v1/workspaces", "get"),
        ("/api/v1/workspaces/active", "post"),
        ("/api/v1/workspaces/{workspace_ref}", "get"),
        ("/api/v1/workspaces/{workspace_ref}", "patch"),
        ("/api/v1/workspaces/{workspace_ref}", "delete"),
        ("/api/v1/auth/workspace-token", "post"),
        ("/api/v1/members", "get"),
        ("/api/v1/members/{member_id}", "patch"),
        ("/api/v1/members/{member_id}", "delete"),
        ("/api/v1/members/leave", "post"),
        ("/api/v1/members/transfer-ownership", "post"),
        ("/api/v1/invitations", "post"),
        ("/api/v1/invitations", "get"),
        ("/api/v1/invitations/{invitation_id}/resend", "post"),
        ("/api/v1/invitations/{invitation_id}/cancel", "post"),
        ("/api/v1/me/invitations", "get"),
        ("/api/v1/me/invitations/accept-token", "post"),
        ("/api/v1/me/invitations/{invitation_id}/accept", "post"),
        ("/api/v1/me/invitations/{invitation_id}/reject", "post"),
    }
    documented = {
        (path, method)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("description")
    }
    assert expected <= documented
