"""JSON routes of /api/v1/auth: sign-up, sign-in, sign-out, sessions, password, email links."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from atlas.config import Settings
from atlas.db.pool import TransactionRoute
from atlas.errors import AtlasError, error_response
from atlas.identity import csrf, passkeys, schemas, service, two_factor
from atlas.identity.http import clear_session_cookie, client_of, set_session_cookie
from atlas.identity.two_factor import TwoFactorKeys
from atlas.limits.dependencies import limit, workspace_limit
from atlas.tenancy.guard import (
    Caller,
    CurrentPrincipal,
    Db,
    SessionPrincipal,
    account_holder,
    resolve_caller,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=TransactionRoute)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post(
    "/sign-up", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(limit("sign-up"))]
)
async def sign_up(data: schemas.SignUp, request: Request, db: Db) -> schemas.Accepted:
    """Create an account and email its verification link, which signs it in. The answer is
    the same when the address has an account (that address is sent a note instead)."""
    return await service.sign_up(db, _settings(request), data)


CHALLENGED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": schemas.TwoFactorChallenge,
        "description": "The account has two-factor on: no session yet; answer the challenge"
        " with a code at /api/v1/auth/sign-in/two-factor.",
    }
}


def _signed_in(
    result: schemas.AuthResult | schemas.TwoFactorChallenge,
    settings: Settings,
    response: Response,
) -> schemas.AuthResult | JSONResponse:
    if isinstance(result, schemas.TwoFactorChallenge):
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    set_session_cookie(response, settings, result.token)
    return result


def _two_factor(request: Request) -> TwoFactorKeys:
    keys: TwoFactorKeys = request.app.state.two_factor
    return keys


@router.post(
    "/sign-in",
    dependencies=[Depends(limit("sign-in"))],
    response_model=schemas.AuthResult,
    responses=CHALLENGED,
)
async def sign_in(
    data: schemas.SignIn, request: Request, response: Response, db: Db
) -> schemas.AuthResult | JSONResponse:
    """Open a new session; for an account with two-factor on, 202 with a challenge and no
    session. Failed attempts are throttled per account and IP, per IP and per account (429)."""
    settings = _settings(request)
    result = await service.sign_in(
        db, settings, request.app.state.sign_in_throttles, data, client_of(request)
    )
    return _signed_in(result, settings, response)


@router.post(
    "/sign-in/two-factor",
    dependencies=[Depends(limit("sign-in"))],
    response_model=schemas.AuthResult,
)
async def sign_in_two_factor(
    data: schemas.TwoFactorSignIn, request: Request, response: Response, db: Db
) -> schemas.AuthResult | JSONResponse:
    """Answer the sign-in challenge with a code of the authenticator app or a backup code
    (each works once): the session opens. A challenge lasts 5 minutes and takes 5 wrong
    codes (401 `invalid_code`, then `challenge_expired`); wrong codes are also throttled
    per account (429)."""
    settings = _settings(request)
    result = await service.finish_two_factor_sign_in(
        db, settings, _two_factor(request), data, client_of(request)
    )
    if isinstance(result, AtlasError):
        return error_response(result)
    set_session_cookie(response, settings, result.token)
    return result


@router.post(
    "/sign-out", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(workspace_limit)]
)
async def sign_out(principal: SessionPrincipal, response: Response, db: Db) -> None:
    """End the current session and clear the cookie."""
    await service.sign_out(principal, db)
    clear_session_cookie(response)


@router.get("/session", dependencies=[Depends(workspace_limit)])
async def get_session(
    caller: Annotated[Caller, Depends(resolve_caller)], db: Db
) -> schemas.SessionInfo:
    """The signed-in user, the current session and the active workspace."""
    principal = account_holder(caller)
    ws = caller.workspace
    active = None
    if ws is not None and ws.workspace_id == caller.principal.active_workspace_id:
        active = schemas.ActiveWorkspace(
            id=ws.workspace_id, slug=ws.workspace_slug, name=ws.workspace_name, role=ws.role
        )
    return await service.session_info(principal, db, active)


@router.get("/me", dependencies=[Depends(workspace_limit)])
async def get_my_account(principal: CurrentPrincipal, db: Db) -> schemas.User:
    """The signed-in user's account."""
    return await service.get_my_account(principal, db)


@router.patch("/me", dependencies=[Depends(workspace_limit)])
async def update_my_account(
    data: schemas.UserUpdate, principal: SessionPrincipal, db: Db
) -> schemas.User:
    """Change the account's own settings: the `locale` of its pages (null: the workspace's)."""
    return await service.update_my_account(principal, db, data)


@router.get("/csrf-token")
async def get_csrf_token(request: Request) -> schemas.CsrfToken:
    """The token a browser signed in by the cookie sends as X-CSRF-Token with its writes.
    It needs no valid session: with an ended one, the browser can still sign in again."""
    return schemas.CsrfToken(csrf_token=csrf.api_token(request))


@router.get("/sessions", dependencies=[Depends(workspace_limit)])
async def list_sessions(principal: SessionPrincipal, db: Db) -> list[schemas.Session]:
    """The user's live sessions, most recently used first."""
    return await service.list_sessions(principal, db)


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(workspace_limit)],
)
async def revoke_session(session_id: uuid.UUID, principal: SessionPrincipal, db: Db) -> None:
    """Revoke one of the user's own sessions."""
    await service.revoke_session(principal, db, session_id)


@router.post(
    "/sessions/revoke-others",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(workspace_limit)],
)
async def revoke_other_sessions(principal: SessionPrincipal, db: Db) -> None:
    """Revoke every session of the user but this one."""
    await service.revoke_other_sessions(principal, db)


@router.post(
    "/change-password",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(workspace_limit)],
)
async def change_password(
    data: schemas.ChangePassword, request: Request, principal: SessionPrincipal, db: Db
) -> None:
    """Change the password; other sessions are revoked unless asked not to."""
    await service.change_password(principal, db, _settings(request), data)


@router.post(
    "/verify-email",
    dependencies=[Depends(limit("email-token"))],
    response_model=schemas.AuthResult,
    responses=CHALLENGED,
)
async def verify_email(
    data: schemas.VerifyEmail, request: Request, response: Response, db: Db
) -> schemas.AuthResult | JSONResponse:
    """Mark the email verified with the token of the emailed link (single use) and open a
    session, as sign-in does (202 with a challenge for an account with two-factor on)."""
    settings = _settings(request)
    result = await service.verify_email(db, settings, data, client_of(request))
    return _signed_in(result, settings, response)


@router.post(
    "/resend-verification",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(workspace_limit), Depends(limit("verification-email"))],
)
async def resend_verification(
    request: Request, principal: SessionPrincipal, db: Db
) -> schemas.Accepted:
    """Email a new verification link; earlier links stop working."""
    await service.resend_verification(principal, db, _settings(request))
    return schemas.Accepted(message="We have sent you a new verification link.")


@router.post(
    "/password-reset/request",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(limit("password-reset"))],
)
async def request_password_reset(
    data: schemas.PasswordResetRequest, request: Request, db: Db
) -> schemas.Accepted:
    """Email a reset link. The answer is the same whether the account exists or not."""
    return await service.request_password_reset(db, _settings(request), data)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(limit("email-token"))],
)
async def confirm_password_reset(
    data: schemas.PasswordResetConfirm, request: Request, db: Db
) -> None:
    """Set a new password with the emailed token; every session of the account ends."""
    await service.confirm_password_reset(db, _settings(request), data)


# --- two-factor -------------------------------------------------------------------------


@router.get("/two-factor", dependencies=[Depends(workspace_limit)])
async def get_two_factor(principal: SessionPrincipal, db: Db) -> schemas.TwoFactorStatus:
    """Whether two-factor sign-in is on, and how many backup codes are left."""
    return await two_factor.status(principal, db)


@router.post("/two-factor/setup", dependencies=[Depends(workspace_limit)])
async def set_up_two_factor(
    data: schemas.PasswordConfirmation, request: Request, principal: SessionPrincipal, db: Db
) -> schemas.TwoFactorSetup:
    """Start setting up an authenticator app (the password again): its secret, as text, an
    `otpauth://` URI and a QR code. Nothing changes at sign-in until `enable`."""
    return await two_factor.begin_setup(principal, db, _two_factor(request), data)


@router.post("/two-factor/enable", dependencies=[Depends(workspace_limit)])
async def enable_two_factor(
    data: schemas.CodeConfirmation, request: Request, principal: SessionPrincipal, db: Db
) -> schemas.BackupCodes:
    """Turn two-factor on with the app's first code; answers the 10 backup codes, shown
    only this once. This session then counts as signed in with two factors."""
    return await two_factor.enable(principal, db, _two_factor(request), data)


@router.post(
    "/two-factor/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(workspace_limit)],
)
async def disable_two_factor(
    data: schemas.PasswordAndCode, request: Request, principal: SessionPrincipal, db: Db
) -> None:
    """Turn two-factor off: the password and a code (or a backup code)."""
    await two_factor.disable(principal, db, _two_factor(request), data)


@router.post("/two-factor/backup-codes", dependencies=[Depends(workspace_limit)])
async def regenerate_backup_codes(
    data: schemas.PasswordAndCode, request: Request, principal: SessionPrincipal, db: Db
) -> schemas.BackupCodes:
    """Ten new backup codes (the password and a code); the earlier ones stop working."""
    return await two_factor.regenerate_backup_codes(principal, db, _two_factor(request), data)


# --- passkeys ---------------------------------------------------------------------------


def _relying_party(request: Request) -> passkeys.RelyingParty:
    return passkeys.RelyingParty.of(_settings(request))


@router.get("/passkeys", dependencies=[Depends(workspace_limit)])
async def list_passkeys(principal: SessionPrincipal, db: Db) -> list[schemas.Passkey]:
    """The account's passkeys, oldest first."""
    return await passkeys.list_passkeys(principal, db)


@router.post("/passkeys/registration-options", dependencies=[Depends(workspace_limit)])
async def passkey_registration_options(
    request: Request, principal: SessionPrincipal, db: Db
) -> schemas.PasskeyOptions:
    """Options for `navigator.credentials.create()`: a discoverable passkey with user
    verification, for this site (the host of ATLAS_PUBLIC_URL); the challenge works once,
    for 5 minutes."""
    return await passkeys.registration_options(principal, db, _relying_party(request))


@router.post(
    "/passkeys", status_code=status.HTTP_201_CREATED, dependencies=[Depends(workspace_limit)]
)
async def register_passkey(
    data: schemas.PasskeyRegistration, request: Request, principal: SessionPrincipal, db: Db
) -> schemas.Passkey:
    """Keep the passkey the browser made: `{"name", "credential"}`; 422
    `passkey_challenge_expired` or `invalid_passkey`, 409 `passkey_exists`."""
    return await passkeys.register(principal, db, _relying_party(request), data)


@router.patch("/passkeys/{passkey_id}", dependencies=[Depends(workspace_limit)])
async def rename_passkey(
    passkey_id: uuid.UUID, data: schemas.PasskeyRename, principal: SessionPrincipal, db: Db
) -> schemas.Passkey:
    return await passkeys.rename(principal, db, passkey_id, data)


@router.delete(
    "/passkeys/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(workspace_limit)],
)
async def remove_passkey(passkey_id: uuid.UUID, principal: SessionPrincipal, db: Db) -> None:
    await passkeys.remove(principal, db, passkey_id)


@router.post("/sign-in/passkey/options", dependencies=[Depends(limit("sign-in"))])
async def passkey_sign_in_options(request: Request, db: Db) -> schemas.PasskeyOptions:
    """Options for `navigator.credentials.get()`: any passkey of this site may answer."""
    return await passkeys.sign_in_options(db, _relying_party(request))


@router.post("/sign-in/passkey", dependencies=[Depends(limit("sign-in"))])
async def sign_in_with_passkey(
    data: schemas.PasskeySignIn, request: Request, response: Response, db: Db
) -> schemas.AuthResult:
    """Open a session with a passkey alone (`{"credential"}`, the answer to the options'
    challenge); it counts as two factors. 401 `passkey_challenge_expired` or
    `invalid_passkey`."""
    settings = _settings(request)
    result = await service.sign_in_with_passkey(db, settings, data, client_of(request))
    set_session_cookie(response, settings, result.token)
    return result
