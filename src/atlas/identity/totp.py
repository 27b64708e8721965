"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) and backup codes.

A code is good for its 30-second time step and the step either side of it (a phone's
clock a little off, a code typed as it turned over). The caller passes the last step the
user's codes were accepted at: a step at or before it is never accepted again, so a code
cannot be replayed inside its window (the database keeps that step, and only lets it move
forward: migration 0019).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Steps accepted on either side of the current one.
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation for HMAC-SHA1
ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}

BACKUP_CODES = 10
# Backup codes: 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown
# as two groups of five; about 49 bits each.
_BACKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_BACKUP_LENGTH = 10


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def hotp(secret: bytes, counter: int, *, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    """RFC 4226: HMAC of the counter, dynamically truncated to `digits` decimal digits."""
    mac = hmac.new(secret, struct.pack(">Q", counter), ALGORITHMS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at(secret: bytes, at: datetime, *, digits: int = DIGITS, algorithm: str = "SHA1") -> str:
    """The code of the time step `at` falls in."""
    return hotp(secret, time_step(at), digits=digits, algorithm=algorithm)


def normalized(code: str) -> str:
    """A typed code without the blanks and dashes people put in it."""
    return "".join(code.split()).replace("-", "")


def matching_step(secret: bytes, code: str, at: datetime, last_used_step: int | None) -> int | None:
    """The time step whose code `code` is, among the current one and DRIFT_STEPS either
    side, and later than `last_used_step`; None when there is none. Every candidate is
    compared, in constant time, whatever matches."""
    typed = normalized(code)
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return None
    now = time_step(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        fresh = last_used_step is None or step > last_used_step
        if hmac.compare_digest(hotp(secret, step), typed) and fresh and found is None:
            found = step
    return found


def base32(secret: bytes) -> str:
    """The secret as authenticator apps take it typed in: base 32 without padding."""
    return base64.b32encode(secret).decode().rstrip("=")


def otpauth_uri(secret: bytes, *, account: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI a QR code carries (Google Authenticator's key URI
    format, which every authenticator app reads)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def new_backup_codes() -> list[str]:
    """BACKUP_CODES fresh codes, as shown: `ABCDE-23456`."""
    codes = []
    for _ in range(BACKUP_CODES):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(_BACKUP_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def backup_code_hash(code: str) -> bytes:
    """What is stored of a backup code: the SHA-256 of its normalized form (upper case, no
    blanks or dashes). The codes are random, about 49 bits each, and a guess is throttled,
    so a fast hash is enough; nothing else of them is kept."""
    return hashlib.sha256(normalized(code).upper().encode()).digest()
