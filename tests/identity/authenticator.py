"""A software WebAuthn authenticator for the API tests: an ES256 key, "none"
attestation, user presence and verification flags, and its own signature counter. The
browser test uses Chromium's virtual authenticator instead (tests/e2e/test_passkeys.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import PUBLIC_URL

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Authenticator:
    rp_id: str
    origin: str
    verifies_user: bool = True
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0
    user_handle: bytes = b""

    def _flags(self, extra: int = 0) -> bytes:
        return bytes([USER_PRESENT | (USER_VERIFIED if self.verifies_user else 0) | extra])

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**body, "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})

    def create(self, options: dict[str, Any], origin: str | None = None) -> dict[str, Any]:
        """The credential `navigator.credentials.create()` would return (as JSON)."""
        public_key = options["publicKey"]
        self.user_handle = unb64url(public_key["user"]["id"])
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + self._flags(ATTESTED)
            + struct.pack(">I", self.sign_count)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(self, options: dict[str, Any], origin: str | None = None) -> dict[str, Any]:
        """The assertion `navigator.credentials.get()` would return (as JSON)."""
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["publicKey"]["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + self._flags()
            + struct.pack(">I", self.sign_count)
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
            "clientExtensionResults": {},
        }


def for_the_test_server() -> Authenticator:
    """An authenticator for the site the test servers' settings name (tests/conftest.py)."""
    url = urlsplit(PUBLIC_URL)
    return Authenticator(rp_id=url.hostname or "", origin=f"{url.scheme}://{url.netloc}")


def register_passkey(actor: Any, authenticator: Authenticator, name: str = "Laptop") -> Any:
    """The answer of registering `authenticator`'s passkey on `actor`'s account."""
    options = actor.post("/api/v1/auth/passkeys/registration-options").json()
    credential = authenticator.create(options)
    return actor.post("/api/v1/auth/passkeys", json={"name": name, "credential": credential})
