"""Sign-up, sign-in, sessions and passwords."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from atlas.config import Settings
from atlas.errors import Invalid, NotFound, TooManyRequests, Unauthenticated
from atlas.identity import schemas
from atlas.identity.repository import IdentityRepository
from atlas.identity.secrets import hash_password, new_token, token_hash, verify_password
from atlas.identity.throttle import FailureThrottle
from atlas.tenancy.context import Principal


@dataclass(frozen=True)
class Client:
    ip_address: str | None
    user_agent: str | None


@dataclass
class SignInThrottles:
    per_email: FailureThrottle
    per_ip: FailureThrottle

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInThrottles:
        return cls(
            per_email=FailureThrottle(settings.signin_max_failures, settings.signin_window_seconds),
            per_ip=FailureThrottle(
                settings.signin_max_failures * 4, settings.signin_window_seconds
            ),
        )


def check_password_strength(password: str, settings: Settings, field: str) -> None:
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"Use at least {settings.password_min_length} characters.")
    if password.strip() != password or not password.strip():
        problems.append("The password may not start or end with spaces.")
    if problems:
        raise Invalid(
            " ".join(problems),
            code="weak_password",
            details=[{"field": field, "message": message} for message in problems],
        )


async def _open_session(
    db: asyncpg.Connection, settings: Settings, user: asyncpg.Record, client: Client
) -> schemas.AuthResult:
    token = new_token()
    expires = datetime.now(UTC) + timedelta(seconds=settings.session_ttl_seconds)
    session = await IdentityRepository(db).create_session(
        user["id"], token_hash(token), expires, client.ip_address, client.user_agent, None
    )
    return schemas.AuthResult(
        user=schemas.User.model_validate(dict(user)),
        session=schemas.Session.model_validate({**dict(session), "current": True}),
        token=token,
    )


async def sign_up(
    db: asyncpg.Connection, settings: Settings, data: schemas.SignUp, client: Client
) -> schemas.AuthResult:
    check_password_strength(data.password, settings, "password")
    user = await IdentityRepository(db).create_user(
        data.email, data.name, await hash_password(data.password)
    )
    if user is None:
        raise Invalid(
            "An account with this email already exists; sign in instead.",
            code="email_taken",
            details=[{"field": "email", "message": "already registered"}],
        )
    return await _open_session(db, settings, user, client)


async def sign_in(
    db: asyncpg.Connection,
    settings: Settings,
    throttles: SignInThrottles,
    data: schemas.SignIn,
    client: Client,
) -> schemas.AuthResult:
    email_key, ip_key = data.email, client.ip_address or "unknown"
    wait = max(throttles.per_email.retry_after(email_key), throttles.per_ip.retry_after(ip_key))
    if wait:
        raise TooManyRequests(
            "Too many failed sign-ins; try again later.",
            code="sign_in_throttled",
            headers={"Retry-After": str(wait)},
        )
    user = await IdentityRepository(db).user_by_email(data.email)
    if not await verify_password(user["password_hash"] if user else None, data.password):
        throttles.per_email.record_failure(email_key)
        throttles.per_ip.record_failure(ip_key)
        raise Unauthenticated(
            "The email or the password is not correct.", code="invalid_credentials"
        )
    assert user is not None
    throttles.per_email.reset(email_key)
    return await _open_session(db, settings, user, client)


async def sign_out(principal: Principal, db: asyncpg.Connection) -> None:
    await IdentityRepository(db).delete_session(principal.user_id, principal.session_id)


async def list_sessions(principal: Principal, db: asyncpg.Connection) -> list[schemas.Session]:
    rows = await IdentityRepository(db).list_sessions(principal.user_id)
    return [
        schemas.Session.model_validate({**dict(r), "current": r["id"] == principal.session_id})
        for r in rows
    ]


async def revoke_session(
    principal: Principal, db: asyncpg.Connection, session_id: uuid.UUID
) -> None:
    if not await IdentityRepository(db).delete_session(principal.user_id, session_id):
        raise NotFound("Session not found.")


async def revoke_other_sessions(principal: Principal, db: asyncpg.Connection) -> int:
    return await IdentityRepository(db).delete_other_sessions(
        principal.user_id, principal.session_id
    )


async def change_password(
    principal: Principal, db: asyncpg.Connection, settings: Settings, data: schemas.ChangePassword
) -> None:
    repo = IdentityRepository(db)
    user = await repo.user_by_id(principal.user_id)
    assert user is not None
    if not await verify_password(user["password_hash"], data.current_password):
        raise Invalid(
            "The current password is not correct.",
            code="invalid_credentials",
            details=[{"field": "current_password", "message": "incorrect"}],
        )
    check_password_strength(data.new_password, settings, "new_password")
    await repo.set_password(principal.user_id, await hash_password(data.new_password))
    if data.revoke_other_sessions:
        await repo.delete_other_sessions(principal.user_id, principal.session_id)


async def session_info(
    principal: Principal, db: asyncpg.Connection, active: schemas.ActiveWorkspace | None
) -> schemas.SessionInfo:
    repo = IdentityRepository(db)
    user = await repo.user_by_id(principal.user_id)
    session = await repo.get_session(principal.user_id, principal.session_id)
    assert user is not None
    assert session is not None
    return schemas.SessionInfo(
        user=schemas.User.model_validate(dict(user)),
        session=schemas.Session.model_validate({**dict(session), "current": True}),
        active_workspace=active,
    )
