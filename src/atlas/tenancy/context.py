"""Who is calling and in which workspace: built by the guard, passed explicitly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from atlas.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    email: str
    name: str
    session_id: uuid.UUID
    session_expires_at: datetime
    active_workspace_id: uuid.UUID | None
    via_workspace_token: bool
    # The locale the user chose for pages (`atlas.locales`); None: the workspace's.
    locale: str | None = None
    # How the session was opened (identity.tables.AUTHENTICATED_BY); "api_key" for a key.
    authenticated_by: str = "password"
    # A workspace API key acts for its creator (`user_id`); `session_id` is then its id.
    via_api_key: bool = False

    @property
    def has_second_factor(self) -> bool:
        return self.authenticated_by not in ("password", "api_key")


@dataclass(frozen=True, slots=True)
class WorkspaceContext:
    workspace_id: uuid.UUID
    workspace_slug: str
    workspace_name: str
    user_id: uuid.UUID
    role: str
    permissions: frozenset[str]
    request_id: str
    # As the guard read them with the membership: what the pages show values in.
    locale: str = "en-US"
    time_zone: str = "UTC"
    # The API key the request came with: its permissions are already in `permissions`.
    api_key_id: uuid.UUID | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(self, permission)


class PermissionDenied(Forbidden):
    """A member's role lacks `permission` in the workspace."""

    def __init__(self, ctx: WorkspaceContext, permission: str) -> None:
        super().__init__(
            f"Your role '{ctx.role}' does not allow '{permission}' in this workspace.",
            code="permission_denied",
        )
        self.role = ctx.role
        self.permission = permission


class TwoFactorRequired(Forbidden):
    """The workspace requires a second factor, and the session was opened without one."""

    def __init__(self) -> None:
        super().__init__(
            "This workspace requires two-factor sign-in. Turn on two-factor authentication"
            " for your account (Account, Two-factor authentication), then sign in with it.",
            code="two_factor_required",
        )
