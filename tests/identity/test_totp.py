"""RFC 6238's test vectors, the drift window, replay refusal and backup codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from atlas.identity import totp

# RFC 6238, appendix B: the seeds and (time, code) pairs, 8 digits.
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, {"SHA1": "94287082", "SHA256": "46119246", "SHA512": "90693936"}),
    (1111111109, {"SHA1": "07081804", "SHA256": "68084774", "SHA512": "25091201"}),
    (1111111111, {"SHA1": "14050471", "SHA256": "67062674", "SHA512": "99943326"}),
    (1234567890, {"SHA1": "89005924", "SHA256": "91819424", "SHA512": "93441116"}),
    (2000000000, {"SHA1": "69279037", "SHA256": "90698825", "SHA512": "38618901"}),
    (20000000000, {"SHA1": "65353130", "SHA256": "77737706", "SHA512": "47863826"}),
]


@pytest.mark.parametrize(("seconds", "codes"), VECTORS)
@pytest.mark.parametrize("algorithm", sorted(SEEDS))
def test_rfc_6238_vectors(seconds: int, codes: dict[str, str], algorithm: str) -> None:
    at = datetime.fromtimestamp(seconds, UTC)
    assert totp.code_at(SEEDS[algorithm], at, digits=8, algorithm=algorithm) == codes[algorithm]


NOW = datetime(2026, 12, 3, 12, 0, 15, tzinfo=UTC)
SECRET = SEEDS["SHA1"]


def code(offset_steps: int) -> str:
    return totp.code_at(SECRET, NOW + timedelta(seconds=totp.STEP_SECONDS * offset_steps))


def test_the_current_step_and_one_either_side_are_accepted_and_no_further() -> None:
    now = totp.time_step(NOW)
    for offset in (-1, 0, 1):
        assert totp.matching_step(SECRET, code(offset), NOW, None) == now + offset
    for offset in (-2, 2):
        assert totp.matching_step(SECRET, code(offset), NOW, None) is None


def test_a_code_is_not_accepted_again_nor_an_older_one() -> None:
    now = totp.time_step(NOW)
    assert totp.matching_step(SECRET, code(0), NOW, now) is None
    assert totp.matching_step(SECRET, code(-1), NOW, now) is None
    assert totp.matching_step(SECRET, code(1), NOW, now) == now + 1
    assert totp.matching_step(SECRET, code(0), NOW, now - 1) == now


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
        "-------",
    ],
)
def test_malformed_codes_never_match(typed: str) -> None:
    assert totp.matching_step(SECRET, typed, NOW, None) is None


def test_blanks_and_dashes_in_a_typed_code_are_ignored() -> None:
    typed = code(0)
    spaced = f"{typed[:3]} {typed[3:]}"
    assert totp.matching_step(SECRET, spaced, NOW, None) == totp.time_step(NOW)
    assert totp.matching_step(SECRET, f"{typed[:3]}-{typed[3:]}", NOW, None) is not None


def test_the_otpauth_uri_names_the_account_and_carries_the_secret() -> None:
    uri = totp.otpauth_uri(SECRET, account="ada@example.com", issuer="Atlas ERP")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "otpauth",
        "totp",
        "/Atlas%20ERP:ada@example.com",
    )
    query = parse_qs(parts.query)
    assert query == {
        "secret": ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
        "issuer": ["Atlas ERP"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_backup_codes_are_ten_distinct_and_hash_whatever_the_case_or_dash() -> None:
    codes = totp.new_backup_codes()
    assert len(codes) == totp.BACKUP_CODES == 10
    assert len(set(codes)) == 10
    for shown in codes:
        assert len(shown) == 11
        assert shown[5] == "-"
        assert not set(shown.replace("-", "")) & set("01OIL")
    first = codes[0]
    assert totp.backup_code_hash(first.lower().replace("-", " ")) == totp.backup_code_hash(first)
    assert totp.backup_code_hash(first) != totp.backup_code_hash(codes[1])


def test_new_secrets_are_160_bits_and_differ() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert len(first) == 20
    assert first != second
