"""Passkeys (WebAuthn, through the `webauthn` library): registering them on the account,
naming and removing them, and signing in with one alone (user verification required: it
counts as two factors, `sessions.authenticated_by = 'passkey'`).

The relying party is the host of ATLAS_PUBLIC_URL, the expected origin its scheme, host
and port. Every challenge is random (32 bytes), stored as its SHA-256, answered once and
within CHALLENGE_TTL; a sign-in also checks the authenticator's signature counter, which
only moves forward.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import webauthn
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from atlas.config import Settings
from atlas.errors import AtlasError, Conflict, Invalid, NotFound, Unauthenticated
from atlas.identity import schemas
from atlas.identity.repository import PasskeysRepository
from atlas.tenancy.context import Principal

RP_NAME = "Atlas ERP"
CHALLENGE_TTL = timedelta(minutes=5)
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str

    @classmethod
    def of(cls, settings: Settings) -> RelyingParty:
        url = urlsplit(settings.public_url)
        return cls(id=url.hostname or "localhost", origin=f"{url.scheme}://{url.netloc}")


def _b64url(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _challenge_of(credential: dict[str, Any]) -> bytes | None:
    """The challenge the browser signed, read from its client data; None if unreadable."""
    try:
        client_data = json.loads(_b64url(credential["response"]["clientDataJSON"]))
        return _b64url(client_data["challenge"])
    except (KeyError, TypeError, ValueError, binascii.Error, json.JSONDecodeError):
        return None


def _refused(error: type[AtlasError], message: str, code: str) -> AtlasError:
    return error(message, code=code, details=[{"field": "credential", "message": message}])


def _expired(error: type[AtlasError]) -> AtlasError:
    return _refused(
        error, "The passkey request has expired; try again.", "passkey_challenge_expired"
    )


async def _new_challenge(
    repo: PasskeysRepository, user_id: uuid.UUID | None, purpose: str
) -> bytes:
    challenge = secrets.token_bytes(32)
    expires = datetime.now(UTC) + CHALLENGE_TTL
    await repo.create_challenge(user_id, purpose, hashlib.sha256(challenge).digest(), expires)
    return challenge


def _options(options: object) -> schemas.PasskeyOptions:
    return schemas.PasskeyOptions.model_validate(
        {"publicKey": json.loads(webauthn.options_to_json(options))}  # type: ignore[arg-type]
    )


async def list_passkeys(principal: Principal, db: asyncpg.Connection) -> list[schemas.Passkey]:
    rows = await PasskeysRepository(db).of_user(principal.user_id)
    return [schemas.Passkey.model_validate(dict(row)) for row in rows]


async def registration_options(
    principal: Principal, db: asyncpg.Connection, rp: RelyingParty
) -> schemas.PasskeyOptions:
    """What the browser needs to make a passkey for this account (a discoverable one, user
    verification required), its existing passkeys excluded."""
    repo = PasskeysRepository(db)
    existing = await repo.of_user(principal.user_id)
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=principal.user_id.bytes,
        user_name=principal.email,
        user_display_name=principal.name,
        challenge=await _new_challenge(repo, principal.user_id, "register"),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(row["credential_id"])) for row in existing
        ],
    )
    return _options(options)


async def register(
    principal: Principal,
    db: asyncpg.Connection,
    rp: RelyingParty,
    data: schemas.PasskeyRegistration,
) -> schemas.Passkey:
    """Keeps the passkey the browser made for one of this account's challenges."""
    repo = PasskeysRepository(db)
    challenge = _challenge_of(data.credential)
    taken = None
    if challenge is not None:
        taken = await repo.take_challenge(hashlib.sha256(challenge).digest(), "register")
    if challenge is None or taken is None or taken["user_id"] != principal.user_id:
        raise _expired(Invalid)
    try:
        verified = webauthn.verify_registration_response(
            credential=data.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as error:
        raise _refused(Invalid, "The passkey could not be verified.", "invalid_passkey") from error
    transports = data.credential.get("response", {}).get("transports") or []
    row = await repo.create(
        principal.user_id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=data.name,
        transports=[t for t in transports if t in KNOWN_TRANSPORTS],
    )
    if row is None:
        raise Conflict("This passkey is registered already.", code="passkey_exists")
    return schemas.Passkey.model_validate(dict(row))


async def get_passkey(
    principal: Principal, db: asyncpg.Connection, passkey_id: uuid.UUID
) -> schemas.Passkey:
    """One of the caller's own passkeys (another's, or none: 404)."""
    row = await PasskeysRepository(db).get(principal.user_id, passkey_id)
    if row is None:
        raise NotFound("Passkey not found.")
    return schemas.Passkey.model_validate(dict(row))


async def rename(
    principal: Principal, db: asyncpg.Connection, passkey_id: uuid.UUID, data: schemas.PasskeyRename
) -> schemas.Passkey:
    row = await PasskeysRepository(db).rename(principal.user_id, passkey_id, data.name)
    if row is None:
        raise NotFound("Passkey not found.")
    return schemas.Passkey.model_validate(dict(row))


async def remove(principal: Principal, db: asyncpg.Connection, passkey_id: uuid.UUID) -> None:
    if not await PasskeysRepository(db).delete(principal.user_id, passkey_id):
        raise NotFound("Passkey not found.")


async def sign_in_options(db: asyncpg.Connection, rp: RelyingParty) -> schemas.PasskeyOptions:
    """A sign-in challenge for any passkey of this site (the passkey names its account)."""
    repo = PasskeysRepository(db)
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=await _new_challenge(repo, None, "sign_in"),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return _options(options)


async def authenticate(
    db: asyncpg.Connection, rp: RelyingParty, data: schemas.PasskeySignIn
) -> uuid.UUID:
    """The user whose passkey signed one of our sign-in challenges, with user verification
    and a counter that moved forward (or stays at zero for authenticators that keep none)."""
    repo = PasskeysRepository(db)
    challenge = _challenge_of(data.credential)
    if (
        challenge is None
        or await repo.take_challenge(hashlib.sha256(challenge).digest(), "sign_in") is None
    ):
        raise _expired(Unauthenticated)
    invalid = _refused(Unauthenticated, "This passkey cannot sign in here.", "invalid_passkey")
    try:
        passkey = await repo.by_credential(_b64url(data.credential.get("rawId")))
    except (ValueError, binascii.Error) as error:
        raise invalid from error
    if passkey is None:
        raise invalid
    try:
        verified = webauthn.verify_authentication_response(
            credential=data.credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=bytes(passkey["public_key"]),
            credential_current_sign_count=passkey["sign_count"],
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as error:
        raise invalid from error
    if not await repo.advance_counter(
        passkey["id"], passkey["sign_count"], verified.new_sign_count
    ):
        raise invalid
    user_id: uuid.UUID = passkey["user_id"]
    return user_id


async def users_with_passkeys(db: asyncpg.Connection, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return await PasskeysRepository(db).users_with_passkeys(user_ids)
