"""Sealed secrets open only with their key, their purpose and their owner."""

from __future__ import annotations

import uuid

import pytest

from atlas.identity.sealing import Seal, Unsealable

KEY = "k" * 48
OWNER = uuid.uuid4()


def test_a_sealed_secret_opens_and_does_not_show_in_its_sealed_form() -> None:
    seal = Seal(KEY, "totp")
    sealed = seal.seal(b"the secret", OWNER)
    assert b"the secret" not in sealed
    assert seal.open(sealed, OWNER) == b"the secret"
    assert seal.seal(b"the secret", OWNER) != sealed  # a fresh nonce each time


@pytest.mark.parametrize(
    "other",
    [
        lambda sealed: Seal("x" * 48, "totp").open(sealed, OWNER),
        lambda sealed: Seal(KEY, "other purpose").open(sealed, OWNER),
        lambda sealed: Seal(KEY, "totp").open(sealed, uuid.uuid4()),
        lambda sealed: Seal(KEY, "totp").open(sealed[:-1] + bytes([sealed[-1] ^ 1]), OWNER),
        lambda sealed: Seal(KEY, "totp").open(b"\x02" + sealed[1:], OWNER),
    ],
    ids=["another key", "another purpose", "another owner", "altered", "unknown version"],
)
def test_it_does_not_open_otherwise(other) -> None:  # type: ignore[no-untyped-def]
    sealed = Seal(KEY, "totp").seal(b"the secret", OWNER)
    with pytest.raises(Unsealable):
        other(sealed)
