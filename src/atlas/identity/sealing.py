"""Secrets kept encrypted at rest: AES-256-GCM under a key derived from the service's
secret key (ATLAS_SECRET_KEY, or the one kept in the data folder) by HKDF-SHA256, one key
per purpose. The sealed bytes are bound to their owner's id (GCM's associated data), so a
sealed value copied onto another user's row does not open."""

from __future__ import annotations

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
_NONCE_BYTES = 12


class Unsealable(Exception):
    """Sealed bytes that do not open: another key, another owner, or altered."""


class Seal:
    def __init__(self, secret_key: str, purpose: str) -> None:
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        self._aead = AESGCM(derive.derive(secret_key.encode()))

    def seal(self, plain: bytes, owner: uuid.UUID) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plain, owner.bytes)

    def open(self, sealed: bytes, owner: uuid.UUID) -> bytes:
        if sealed[:1] != VERSION:
            raise Unsealable("unknown version")
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, owner.bytes)
        except InvalidTag as error:
            raise Unsealable("does not open") from error
