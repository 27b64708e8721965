"""JSON routes of /api/v1/auth: sign-up, sign-in, sign-out, sessions, password, email links."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from atlas.config import Settings
from atlas.db.pool import TransactionRoute
from atlas.identity import csrf, schemas, service
from atlas.identity.http import clear_session_cookie, client_of, set_session_cookie
from atlas.limits.dependencies import limit, workspace_limit
from atlas.tenancy.guard import (
    Caller,
    CurrentPrincipal,
    Db,
    SessionPrincipal,
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


@router.post("/sign-in", dependencies=[Depends(limit("sign-in"))])
async def sign_in(
    data: schemas.SignIn, request: Request, response: Response, db: Db
) -> schemas.AuthResult:
    """Open a new session. Failed attempts are throttled per account and IP, per IP and
    per account (429)."""
    settings = _settings(request)
    result = await service.sign_in(
        db, settings, request.app.state.sign_in_throttles, data, client_of(request)
    )
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
    ws = caller.workspace
    active = None
    if ws is not None and ws.workspace_id == caller.principal.active_workspace_id:
        active = schemas.ActiveWorkspace(
            id=ws.workspace_id, slug=ws.workspace_slug, name=ws.workspace_name, role=ws.role
        )
    return await service.session_info(caller.principal, db, active)


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


@router.post("/verify-email", dependencies=[Depends(limit("email-token"))])
async def verify_email(
    data: schemas.VerifyEmail, request: Request, response: Response, db: Db
) -> schemas.AuthResult:
    """Mark the email verified with the token of the emailed link (single use) and open a
    session, as sign-in does."""
    settings = _settings(request)
    result = await service.verify_email(db, settings, data, client_of(request))
    set_session_cookie(response, settings, result.token)
    return result


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
