"""Opaque tokens, their hashes, password hashing and workspace JWTs (kernel: the guard
reads credentials with them; identity and workspaces issue them)."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_AUDIENCE = "atlas-erp:workspace"
TOKEN_ISSUER = "atlas-erp"
TOKEN_ALGORITHM = "HS256"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so that both paths cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


# A workspace API key: `atl_<id>_<secret>`, the id being the key's workspace and the key's
# own id (32 hex digits each), so that the guard reads the key by its primary key.
API_KEY_PREFIX = "atl_"
_API_KEY = re.compile(r"atl_([0-9a-f]{32})([0-9a-f]{32})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class ApiKeyCredential:
    workspace_id: uuid.UUID
    key_id: uuid.UUID
    secret_hash: bytes


def new_api_key(workspace_id: uuid.UUID, key_id: uuid.UUID) -> tuple[str, bytes]:
    """The key as shown once to its creator, and the hash of its secret, as stored."""
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}{workspace_id.hex}{key_id.hex}_{secret}", token_hash(secret)


def read_api_key(credential: str) -> ApiKeyCredential | None:
    """The parts of an `atl_` credential; None when it is not one, in any part."""
    match = _API_KEY.fullmatch(credential)
    if match is None:
        return None
    workspace, key, secret = match.groups()
    return ApiKeyCredential(uuid.UUID(workspace), uuid.UUID(key), token_hash(secret))


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def hash_password(password: str) -> str:
    return await to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await to_thread.run_sync(check)


@dataclass(frozen=True)
class WorkspaceClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    workspace_id: uuid.UUID
    expires_at: datetime
    token_id: str


def issue_workspace_token(
    key: str, *, user_id: uuid.UUID, session_id: uuid.UUID, workspace_id: uuid.UUID, ttl: int
) -> tuple[str, WorkspaceClaims]:
    now = datetime.now(UTC)
    claims = WorkspaceClaims(
        user_id=user_id,
        session_id=session_id,
        workspace_id=workspace_id,
        expires_at=now + timedelta(seconds=ttl),
        token_id=secrets.token_urlsafe(12),
    )
    payload = {
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "sub": str(user_id),
        "sid": str(session_id),
        "wid": str(workspace_id),
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.token_id,
    }
    return jwt.encode(payload, key, algorithm=TOKEN_ALGORITHM), claims


def read_workspace_token(key: str, token: str) -> WorkspaceClaims | None:
    """The claims of a valid token, or None for anything tampered, expired or foreign."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            issuer=TOKEN_ISSUER,
            options={"require": ["exp", "sub", "sid", "wid", "jti", "aud", "iss"]},
        )
        return WorkspaceClaims(
            user_id=uuid.UUID(payload["sub"]),
            session_id=uuid.UUID(payload["sid"]),
            workspace_id=uuid.UUID(payload["wid"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            token_id=str(payload["jti"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2
