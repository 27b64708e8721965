"""Sign-up, sign-in, sessions, passwords, email verification and password reset."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from atlas.config import Settings
from atlas.credentials import hash_password, new_token, token_hash, verify_password
from atlas.errors import (
    AtlasError,
    Conflict,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from atlas.identity import passkeys, schemas, two_factor
from atlas.identity.repository import IdentityRepository
from atlas.identity.throttle import FailureThrottle
from atlas.mail.repository import OutboxRepository
from atlas.tenancy.context import Principal

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"
RESET_REQUESTED = (
    "If an account exists for this email, we have sent it a link to reset the password."
)
INVALID_LINK = "This link is not valid, or a newer one replaced it."
SIGN_UP_ACCEPTED = "Check your inbox: we have sent a link to this address to finish signing up."


@dataclass(frozen=True)
class Client:
    ip_address: str | None
    user_agent: str | None


@dataclass
class SignInThrottles:
    """Failed sign-ins counted per (account, IP), per IP and per account.

    The owner's own address only counts its own failures: failures elsewhere block the
    account only at the far higher per-account limit, which needs many addresses to reach.
    """

    per_account_ip: FailureThrottle
    per_ip: FailureThrottle
    per_account: FailureThrottle

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInThrottles:
        window = settings.signin_window_seconds
        return cls(
            per_account_ip=FailureThrottle(settings.signin_max_failures, window),
            per_ip=FailureThrottle(settings.signin_max_failures_per_ip, window),
            per_account=FailureThrottle(settings.signin_max_failures_per_account, window),
        )

    @staticmethod
    def _pair(email: str, ip: str) -> str:
        return f"{ip} {email}"  # neither part may contain a space

    def retry_after(self, email: str, ip: str) -> int:
        """Seconds until this account may be tried from this IP; 0 when it may now."""
        return max(
            self.per_account_ip.retry_after(self._pair(email, ip)),
            self.per_ip.retry_after(ip),
            self.per_account.retry_after(email),
        )

    def record_failure(self, email: str, ip: str) -> None:
        self.per_account_ip.record_failure(self._pair(email, ip))
        self.per_ip.record_failure(ip)
        self.per_account.record_failure(email)

    def record_success(self, email: str, ip: str) -> None:
        """Clears the pair's failures only: a success on one's own account must not reset
        the count of an IP trying others, nor the account's count from elsewhere."""
        self.per_account_ip.reset(self._pair(email, ip))


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
    db: asyncpg.Connection,
    settings: Settings,
    user: asyncpg.Record,
    client: Client,
    authenticated_by: str = "password",
) -> schemas.AuthResult:
    token = new_token()
    expires = datetime.now(UTC) + timedelta(seconds=settings.session_ttl_seconds)
    session = await IdentityRepository(db).create_session(
        user["id"],
        token_hash(token),
        expires,
        client.ip_address,
        client.user_agent,
        None,
        authenticated_by,
    )
    return schemas.AuthResult(
        user=schemas.User.model_validate(dict(user)),
        session=schemas.Session.model_validate({**dict(session), "current": True}),
        token=token,
    )


async def sign_up(
    db: asyncpg.Connection, settings: Settings, data: schemas.SignUp
) -> schemas.Accepted:
    """Creates the account and emails its verification link; an address that has an
    account gets a note instead. The answer, and the work done (one password hash, one
    email), are the same either way, so that sign-up does not tell who has an account."""
    check_password_strength(data.password, settings, "password")
    repo = IdentityRepository(db)
    user = await repo.create_user(data.email, data.name, await hash_password(data.password))
    if user is not None:
        await _queue_verification_email(db, settings, user)
    elif (existing := await repo.user_by_email(data.email)) is not None:
        await _queue_sign_up_attempt_email(db, settings, existing)
    return schemas.Accepted(message=SIGN_UP_ACCEPTED)


async def sign_in(
    db: asyncpg.Connection,
    settings: Settings,
    throttles: SignInThrottles,
    data: schemas.SignIn,
    client: Client,
) -> schemas.AuthResult | schemas.TwoFactorChallenge:
    """A session for the right email and password; for an account with two-factor on, a
    challenge instead, which a code answers (`finish_two_factor_sign_in`)."""
    ip = client.ip_address or "unknown"
    wait = throttles.retry_after(data.email, ip)
    if wait:
        raise TooManyRequests(
            "Too many failed sign-ins; try again later.",
            code="sign_in_throttled",
            headers={"Retry-After": str(wait)},
        )
    user = await IdentityRepository(db).user_by_email(data.email)
    if not await verify_password(user["password_hash"] if user else None, data.password):
        throttles.record_failure(data.email, ip)
        raise Unauthenticated(
            "The email or the password is not correct.", code="invalid_credentials"
        )
    assert user is not None
    throttles.record_success(data.email, ip)
    if await two_factor.uses_two_factor(db, user["id"]):
        return await two_factor.open_challenge(db, user["id"], client.ip_address, client.user_agent)
    return await _open_session(db, settings, user, client)


async def finish_two_factor_sign_in(
    db: asyncpg.Connection,
    settings: Settings,
    keys: two_factor.TwoFactorKeys,
    data: schemas.TwoFactorSignIn,
    client: Client,
) -> schemas.AuthResult | AtlasError:
    """The session of a challenge answered with a right code; or the error of a wrong one,
    returned so that its count is committed."""
    answer = await two_factor.answer_challenge(db, keys, data)
    if isinstance(answer, AtlasError):
        return answer
    user = await IdentityRepository(db).user_by_id(answer.user_id)
    assert user is not None, "the challenge's key holds its user"
    return await _open_session(db, settings, user, client, answer.authenticated_by)


async def sign_in_with_passkey(
    db: asyncpg.Connection,
    settings: Settings,
    data: schemas.PasskeySignIn,
    client: Client,
) -> schemas.AuthResult:
    """A session for the account whose passkey answered a sign-in challenge: two factors
    in one (something held, and the fingerprint or PIN that unlocked it)."""
    user_id = await passkeys.authenticate(db, passkeys.RelyingParty.of(settings), data)
    user = await IdentityRepository(db).user_by_id(user_id)
    assert user is not None, "the passkey's key holds its user"
    return await _open_session(db, settings, user, client, "passkey")


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


async def set_active_workspace(
    db: asyncpg.Connection, session_id: uuid.UUID, workspace_id: uuid.UUID | None
) -> None:
    """The workspace a session works in when a request names none (None: no workspace)."""
    await IdentityRepository(db).set_active_workspace(session_id, workspace_id)


async def verified_email(db: asyncpg.Connection, user_id: uuid.UUID) -> str | None:
    """The user's email address if it is verified, else None."""
    return await IdentityRepository(db).verified_email(user_id)


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


async def get_my_account(principal: Principal, db: asyncpg.Connection) -> schemas.User:
    user = await IdentityRepository(db).user_by_id(principal.user_id)
    assert user is not None, "the guard read the user in this transaction"
    return schemas.User.model_validate(dict(user))


async def update_my_account(
    principal: Principal, db: asyncpg.Connection, data: schemas.UserUpdate
) -> schemas.User:
    """The caller's own account with the sent fields changed (a null locale clears it)."""
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return await get_my_account(principal, db)
    row = await IdentityRepository(db).update_user(principal.user_id, changes)
    return schemas.User.model_validate(dict(row))


# --- emailed tokens: email verification and password reset -------------------------------


async def _issue_token(
    db: asyncpg.Connection, user: asyncpg.Record, purpose: str, ttl: timedelta
) -> tuple[str, str]:
    """A new single-use token (only its hash is stored) and its expiry, for the email."""
    token = new_token()
    expires = datetime.now(UTC) + ttl
    await IdentityRepository(db).create_email_token(
        user["id"], purpose, token_hash(token), user["email"], expires
    )
    return token, f"{expires:%Y-%m-%d %H:%M} UTC"


async def _queue_verification_email(
    db: asyncpg.Connection, settings: Settings, user: asyncpg.Record
) -> None:
    """A new verification link; earlier unused ones stop working."""
    await IdentityRepository(db).delete_unused_email_tokens(user["id"], VERIFY_EMAIL)
    token, expires = await _issue_token(
        db, user, VERIFY_EMAIL, timedelta(hours=settings.email_verification_ttl_hours)
    )
    body = (
        f"Hello {user['name']},\n\nConfirm that this is your email address (the link also "
        f"signs you in):\n{settings.public_url}/verify-email?token={token}\n\n"
        f"The link works once and expires at {expires}. If you did not sign up for Atlas "
        "ERP, ignore this email.\n"
    )
    await OutboxRepository(db).add(
        None, user["email"], "Confirm your email address for Atlas ERP", body
    )


async def _queue_sign_up_attempt_email(
    db: asyncpg.Connection, settings: Settings, user: asyncpg.Record
) -> None:
    """Tells the owner of an address that someone tried to sign up with it (no link that
    acts: the account stays as it is)."""
    body = (
        f"Hello {user['name']},\n\nSomeone tried to sign up for Atlas ERP with your email "
        "address, which already has an account. If it was you, sign in instead; if you "
        f"forgot your password, reset it here:\n{settings.public_url}/forgot-password\n\n"
        "If it was not you, ignore this email: nothing has changed.\n"
    )
    await OutboxRepository(db).add(
        None, user["email"], "Someone tried to sign up with your address on Atlas ERP", body
    )


async def _use_token(repo: IdentityRepository, token: str, purpose: str) -> asyncpg.Record:
    """Consumes a live token of `purpose`, or refuses saying why it cannot be used."""
    hashed = token_hash(token)
    row = await repo.use_email_token(hashed, purpose)
    if row is not None:
        return row
    state = await repo.email_token_state(hashed, purpose)
    if state is None:
        raise _refused_token(INVALID_LINK, "invalid_token")
    if state["used"]:
        raise _refused_token("This link has already been used.", "token_used")
    raise _refused_token("This link has expired; ask for a new one.", "token_expired")


def _refused_token(message: str, code: str) -> Invalid:
    return Invalid(message, code=code, details=[{"field": "token", "message": message}])


async def resend_verification(
    principal: Principal, db: asyncpg.Connection, settings: Settings
) -> None:
    user = await IdentityRepository(db).user_by_id(principal.user_id)
    assert user is not None
    if user["email_verified"]:
        raise Conflict("Your email address is already verified.", code="email_already_verified")
    await _queue_verification_email(db, settings, user)


async def verify_email(
    db: asyncpg.Connection, settings: Settings, data: schemas.VerifyEmail, client: Client
) -> schemas.AuthResult | schemas.TwoFactorChallenge:
    """Marks the email verified and opens a session: the link finishes the sign-up. For an
    account with two-factor on, the link stands for the password step: a code must still
    answer its challenge."""
    repo = IdentityRepository(db)
    row = await _use_token(repo, data.token, VERIFY_EMAIL)
    user = await repo.set_email_verified(row["user_id"], row["email"])
    if user is None:  # the link went to an address the account no longer has
        raise _refused_token(INVALID_LINK, "invalid_token")
    if await two_factor.uses_two_factor(db, user["id"]):
        return await two_factor.open_challenge(db, user["id"], client.ip_address, client.user_agent)
    return await _open_session(db, settings, user, client)


async def request_password_reset(
    db: asyncpg.Connection, settings: Settings, data: schemas.PasswordResetRequest
) -> schemas.Accepted:
    """Queues a reset link if the account exists; the answer is the same either way."""
    user = await IdentityRepository(db).user_by_email(data.email)
    if user is not None:
        token, expires = await _issue_token(
            db, user, PASSWORD_RESET, timedelta(minutes=settings.password_reset_ttl_minutes)
        )
        body = (
            f"Hello {user['name']},\n\nSomeone asked to reset the password of your account. "
            f"Choose a new password here:\n{settings.public_url}/reset-password?token={token}"
            f"\n\nThe link works once and expires at {expires}. If you did not ask, ignore "
            "this email: your password stays as it is.\n"
        )
        await OutboxRepository(db).add(None, user["email"], "Reset your Atlas ERP password", body)
    return schemas.Accepted(message=RESET_REQUESTED)


async def confirm_password_reset(
    db: asyncpg.Connection, settings: Settings, data: schemas.PasswordResetConfirm
) -> None:
    """Sets the new password, voids the user's other reset links and ends every session."""
    repo = IdentityRepository(db)
    row = await _use_token(repo, data.token, PASSWORD_RESET)
    check_password_strength(data.new_password, settings, "new_password")
    await repo.set_password(row["user_id"], await hash_password(data.new_password))
    await repo.delete_unused_email_tokens(row["user_id"], PASSWORD_RESET)
    await repo.delete_sessions(row["user_id"])
