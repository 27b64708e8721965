"""Request and response bodies of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

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


AuthenticatedBy = Literal["password", "password+totp", "password+backup_code", "passkey"]


class Session(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None = None
    user_agent: str | None = None
    active_workspace_id: uuid.UUID | None = None
    authenticated_by: AuthenticatedBy = Field(
        description="How the session was opened: every value but `password` has a second factor."
    )
    authenticated_at: datetime
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


# --- two-factor sign-in ------------------------------------------------------------------

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    Field(description="A code of the authenticator app (6 digits) or a backup code."),
]


class PasswordConfirmation(StrictModel):
    password: Password


class CodeConfirmation(StrictModel):
    code: Code


class PasswordAndCode(StrictModel):
    password: Password
    code: Code


class TwoFactorStatus(BaseModel):
    enabled: bool
    enabled_at: datetime | None
    backup_codes_left: int


class TwoFactorSetup(BaseModel):
    """Shown once: the secret as an app takes it typed in, as a URI, and as a QR code."""

    secret: str = Field(description="Base 32, for typing into an authenticator app.")
    otpauth_uri: str
    qr_svg: str = Field(description="The URI as a QR code, an SVG document.")


class BackupCodes(BaseModel):
    backup_codes: list[str] = Field(description="Single-use codes, shown once only.")


class TwoFactorChallenge(BaseModel):
    """The password was right and the account has two-factor on: no session yet."""

    two_factor_required: Literal[True] = True
    challenge: str = Field(description="Send back with a code to /sign-in/two-factor.")
    expires_at: datetime


class TwoFactorSignIn(StrictModel):
    challenge: EmailedToken
    code: Code


# --- passkeys ------------------------------------------------------------------------------

PasskeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Credential = Annotated[
    dict[str, Any],
    Field(description="The browser's PublicKeyCredential as JSON (`credential.toJSON()`)."),
]


class PasskeyOptions(BaseModel):
    public_key: dict[str, Any] = Field(
        alias="publicKey",
        serialization_alias="publicKey",
        description="For `navigator.credentials.create()` or `.get()`, its binary values in"
        " base64url (`PublicKeyCredential.parseCreationOptionsFromJSON()`).",
    )


class PasskeyRegistration(StrictModel):
    name: PasskeyName
    credential: Credential


class PasskeyRename(StrictModel):
    name: PasskeyName


class PasskeySignIn(StrictModel):
    credential: Credential


class Passkey(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
