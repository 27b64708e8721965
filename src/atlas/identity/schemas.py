"""Request and response bodies of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints

from atlas.locales import Locale, LocaleField
from atlas.validation import StrictModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, Field(max_length=1024)]


def _lower(value: str) -> str:
    return value.strip().lower()


Email = Annotated[EmailStr, AfterValidator(_lower)]


class SignUp(StrictModel):
    email: Email
    password: Password
    name: Name


class SignIn(StrictModel):
    email: Email
    password: Password


class ChangePassword(StrictModel):
    current_password: Password
    new_password: Password
    revoke_other_sessions: bool = True


EmailedToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class VerifyEmail(StrictModel):
    token: EmailedToken


class PasswordResetRequest(StrictModel):
    email: Email


class PasswordResetConfirm(StrictModel):
    token: EmailedToken
    new_password: Password


class Accepted(BaseModel):
    message: str


class WorkspaceTokenRequest(StrictModel):
    workspace: str | None = Field(
        default=None, description="Workspace id or slug; the session's active workspace if omitted."
    )


class User(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool
    locale: Locale | None = Field(
        description="The locale of the user's pages; null: each workspace's own."
    )
    created_at: datetime


class UserUpdate(StrictModel):
    """Only the fields sent are changed."""

    locale: LocaleField | None = Field(
        default=None,
        description="en-US, en-GB, de-DE or fr-FR; null: each workspace's own locale.",
    )


class Session(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None = None
    user_agent: str | None = None
    active_workspace_id: uuid.UUID | None = None
    current: bool = False


class ActiveWorkspace(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: str


class AuthResult(BaseModel):
    user: User
    session: Session
    token: str = Field(description="Send as `Authorization: Bearer <token>`; also set as a cookie.")


class SessionInfo(BaseModel):
    user: User
    session: Session
    active_workspace: ActiveWorkspace | None


class CsrfToken(BaseModel):
    csrf_token: str | None = Field(
        description="The X-CSRF-Token of the session cookie sent (null without one)."
    )


class WorkspaceToken(BaseModel):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime
    workspace_id: uuid.UUID
