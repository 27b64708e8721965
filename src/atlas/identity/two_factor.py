"""Two-factor sign-in: TOTP set-up and removal, backup codes, and the sign-in challenge
that a code answers before a session exists (docs/security.md, "Two-factor sign-in").

Every code check goes through `_accept_code`: an authenticator code moves the user's last
used time step forward (the table's trigger refuses any other move) or is refused, a backup
code is marked used in the same statement that finds it; wrong codes count against the
user in `TwoFactorThrottle`, whatever the route.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import segno

from atlas.credentials import new_token, token_hash, verify_password
from atlas.errors import AtlasError, Conflict, Invalid, TooManyRequests, Unauthenticated
from atlas.identity import schemas, totp
from atlas.identity.repository import IdentityRepository, PasskeysRepository, TwoFactorRepository
from atlas.identity.sealing import Seal
from atlas.identity.throttle import FailureThrottle
from atlas.tenancy.context import Principal

ISSUER = "Atlas ERP"
SEAL_PURPOSE = "atlas-erp:totp-secret:v1"
CHALLENGE_TTL = timedelta(minutes=5)
# Codes a challenge takes before it is spent (the password must then be sent again).
CHALLENGE_MAX_ATTEMPTS = 5
# Wrong codes per user per window, over every challenge and account action.
CODE_MAX_FAILURES = 10
CODE_WINDOW_SECONDS = 900


@dataclass(frozen=True)
class TwoFactorKeys:
    """What the two-factor service needs beyond the database: the seal of the secrets and
    the count of wrong codes (per worker, as the sign-in throttle)."""

    seal: Seal
    failures: FailureThrottle

    @classmethod
    def from_signing_key(cls, signing_key: str) -> TwoFactorKeys:
        return cls(
            seal=Seal(signing_key, SEAL_PURPOSE),
            failures=FailureThrottle(CODE_MAX_FAILURES, CODE_WINDOW_SECONDS),
        )


INVALID_CODE = "The code is not correct, or it was used already."


def _invalid_code(error: type[AtlasError] = Invalid) -> AtlasError:
    return error(
        INVALID_CODE, code="invalid_code", details=[{"field": "code", "message": INVALID_CODE}]
    )


async def _check_password(repo: IdentityRepository, user_id: uuid.UUID, password: str) -> None:
    user = await repo.user_by_id(user_id)
    assert user is not None, "the guard read the user in this transaction"
    if not await verify_password(user["password_hash"], password):
        raise Invalid(
            "The password is not correct.",
            code="invalid_credentials",
            details=[{"field": "password", "message": "The password is not correct."}],
        )


async def _accept_code(
    repo: TwoFactorRepository, keys: TwoFactorKeys, user_id: uuid.UUID, code: str
) -> str | None:
    """How `code` proves the second factor ("totp" or "backup_code"), consumed so that it
    never works again; None when it does not. Refuses with 429 once the user has had too
    many wrong codes."""
    key = str(user_id)
    wait = keys.failures.retry_after(key)
    if wait:
        raise TooManyRequests(
            "Too many wrong codes; try again later.",
            code="two_factor_throttled",
            headers={"Retry-After": str(wait)},
        )
    row = await repo.totp_of(user_id)
    if row is None or row["enabled_at"] is None:
        return None
    typed = totp.normalized(code)
    method = None
    if typed.isdigit():
        secret = keys.seal.open(row["secret"], user_id)
        step = totp.matching_step(secret, typed, datetime.now(UTC), row["last_used_step"])
        if step is not None and await repo.use_totp_step(user_id, step):
            method = "totp"
    elif await repo.use_backup_code(user_id, totp.backup_code_hash(typed)):
        method = "backup_code"
    if method is None:
        keys.failures.record_failure(key)
    return method


async def status(principal: Principal, db: asyncpg.Connection) -> schemas.TwoFactorStatus:
    repo = TwoFactorRepository(db)
    row = await repo.totp_of(principal.user_id)
    enabled_at = row["enabled_at"] if row is not None else None
    return schemas.TwoFactorStatus(
        enabled=enabled_at is not None,
        enabled_at=enabled_at,
        backup_codes_left=await repo.backup_codes_left(principal.user_id) if enabled_at else 0,
    )


async def has_second_factor(db: asyncpg.Connection, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the users can sign in with a second factor: an authenticator app, or a
    passkey (which counts as two)."""
    with_app = await TwoFactorRepository(db).users_with_totp(user_ids)
    return with_app | await PasskeysRepository(db).users_with_passkeys(user_ids)


def qr_svg(uri: str) -> str:
    """The URI as a QR code: an SVG document, drawn here (no outside service sees it)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return svg


async def begin_setup(
    principal: Principal,
    db: asyncpg.Connection,
    keys: TwoFactorKeys,
    data: schemas.PasswordConfirmation,
) -> schemas.TwoFactorSetup:
    """A new secret, waiting for its first code (`enable`); a set-up not finished is
    replaced. Refused while two-factor is on."""
    await _check_password(IdentityRepository(db), principal.user_id, data.password)
    secret = totp.new_secret()
    sealed = keys.seal.seal(secret, principal.user_id)
    if not await TwoFactorRepository(db).put_pending_totp(principal.user_id, sealed):
        raise Conflict(
            "Two-factor authentication is already on; turn it off first to use another app.",
            code="two_factor_enabled",
        )
    return _setup_of(principal, secret)


def _setup_of(principal: Principal, secret: bytes) -> schemas.TwoFactorSetup:
    uri = totp.otpauth_uri(secret, account=principal.email, issuer=ISSUER)
    return schemas.TwoFactorSetup(secret=totp.base32(secret), otpauth_uri=uri, qr_svg=qr_svg(uri))


async def pending_setup(
    principal: Principal, db: asyncpg.Connection, keys: TwoFactorKeys
) -> schemas.TwoFactorSetup | None:
    """The set-up waiting for its first code, shown again (a page after a wrong code)."""
    row = await TwoFactorRepository(db).totp_of(principal.user_id)
    if row is None or row["enabled_at"] is not None:
        return None
    return _setup_of(principal, keys.seal.open(row["secret"], principal.user_id))


async def _new_backup_codes(repo: TwoFactorRepository, user_id: uuid.UUID) -> schemas.BackupCodes:
    codes = totp.new_backup_codes()
    await repo.replace_backup_codes(user_id, [totp.backup_code_hash(c) for c in codes])
    return schemas.BackupCodes(backup_codes=codes)


async def enable(
    principal: Principal,
    db: asyncpg.Connection,
    keys: TwoFactorKeys,
    data: schemas.CodeConfirmation,
) -> schemas.BackupCodes:
    """Turns two-factor on with the first code of the app set up by `begin_setup`, and
    gives the backup codes. The session it is done in counts as signed in with both."""
    repo = TwoFactorRepository(db)
    row = await repo.totp_of(principal.user_id)
    if row is None:
        raise Conflict("Set up an authenticator app first.", code="two_factor_not_set_up")
    if row["enabled_at"] is not None:
        raise Conflict("Two-factor authentication is already on.", code="two_factor_enabled")
    secret = keys.seal.open(row["secret"], principal.user_id)
    step = totp.matching_step(secret, data.code, datetime.now(UTC), row["last_used_step"])
    if step is None or not await repo.use_totp_step(principal.user_id, step):
        raise _invalid_code()
    await repo.enable_totp(principal.user_id)
    await repo.set_session_authentication(principal.session_id, "password+totp")
    return await _new_backup_codes(repo, principal.user_id)


async def _confirm_both(
    principal: Principal,
    db: asyncpg.Connection,
    keys: TwoFactorKeys,
    data: schemas.PasswordAndCode,
) -> TwoFactorRepository:
    repo = TwoFactorRepository(db)
    row = await repo.totp_of(principal.user_id)
    if row is None or row["enabled_at"] is None:
        raise Conflict("Two-factor authentication is not on.", code="two_factor_not_enabled")
    await _check_password(IdentityRepository(db), principal.user_id, data.password)
    if await _accept_code(repo, keys, principal.user_id, data.code) is None:
        raise _invalid_code()
    return repo


async def disable(
    principal: Principal,
    db: asyncpg.Connection,
    keys: TwoFactorKeys,
    data: schemas.PasswordAndCode,
) -> None:
    """Turns two-factor off (its secret and backup codes are deleted)."""
    repo = await _confirm_both(principal, db, keys, data)
    await repo.delete_second_factors(principal.user_id)


async def regenerate_backup_codes(
    principal: Principal,
    db: asyncpg.Connection,
    keys: TwoFactorKeys,
    data: schemas.PasswordAndCode,
) -> schemas.BackupCodes:
    """Ten new backup codes; the earlier ones stop working."""
    repo = await _confirm_both(principal, db, keys, data)
    return await _new_backup_codes(repo, principal.user_id)


async def uses_two_factor(db: asyncpg.Connection, user_id: uuid.UUID) -> bool:
    row = await TwoFactorRepository(db).totp_of(user_id)
    return row is not None and row["enabled_at"] is not None


async def open_challenge(
    db: asyncpg.Connection, user_id: uuid.UUID, ip_address: str | None, user_agent: str | None
) -> schemas.TwoFactorChallenge:
    """After the right password of an account with two-factor on: a challenge that a code
    answers (`answer_challenge`); no session yet."""
    repo = TwoFactorRepository(db)
    await repo.delete_expired_challenges(user_id)
    token = new_token()
    expires = datetime.now(UTC) + CHALLENGE_TTL
    await repo.create_challenge(user_id, token_hash(token), expires, ip_address, user_agent)
    return schemas.TwoFactorChallenge(challenge=token, expires_at=expires)


@dataclass(frozen=True)
class ChallengeAnswer:
    user_id: uuid.UUID
    authenticated_by: str


async def answer_challenge(
    db: asyncpg.Connection, keys: TwoFactorKeys, data: schemas.TwoFactorSignIn
) -> ChallengeAnswer | AtlasError:
    """The user the challenge is for, and how the code proved the second factor; or, for a
    wrong code, the error to answer with, returned rather than raised: the attempt it used
    must be committed (a challenge takes CHALLENGE_MAX_ATTEMPTS codes, then is spent)."""
    repo = TwoFactorRepository(db)
    challenge = await repo.take_challenge_attempt(
        token_hash(data.challenge), CHALLENGE_MAX_ATTEMPTS
    )
    if challenge is None:
        raise _challenge_expired()
    method = await _accept_code(repo, keys, challenge["user_id"], data.code)
    if method is None:
        return _invalid_code(Unauthenticated)
    if not await repo.spend_challenge(challenge["id"]):
        raise _challenge_expired()
    return ChallengeAnswer(challenge["user_id"], f"password+{method}")


def _challenge_expired() -> Unauthenticated:
    return Unauthenticated(
        "This sign-in has expired; enter your email and password again.",
        code="challenge_expired",
    )
