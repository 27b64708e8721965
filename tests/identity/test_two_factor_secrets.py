"""No two-factor secret, code, hash or QR content, no API key's secret and no passkey
challenge in the logs, the audit trail or the workspace export."""

from __future__ import annotations

import io
import logging
import zipfile

import httpx
import pytest

from tests.apikeys.helpers import new_key
from tests.factories import PASSWORD, Factory
from tests.identity.two_factor_helpers import app_of
from tests.sql import Sql


def test_no_secret_reaches_the_logs_the_audit_trail_or_the_export(
    client: httpx.Client, factory: Factory, sql: Sql, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = factory.user()
    ws = factory.workspace(owner)
    setup = owner.post("/api/v1/auth/two-factor/setup", json={"password": PASSWORD}).json()
    app = app_of(setup)
    first = app.code()
    codes = owner.post("/api/v1/auth/two-factor/enable", json={"code": first}).json()[
        "backup_codes"
    ]
    challenge = client.post(
        "/api/v1/auth/sign-in", json={"email": owner.email, "password": PASSWORD}
    ).json()["challenge"]
    signed_in = client.post(
        "/api/v1/auth/sign-in/two-factor", json={"challenge": challenge, "code": codes[0]}
    )
    client.cookies.clear()
    assert signed_in.status_code == 200
    assert owner.put("/api/v1/workspace/two-factor", ws=ws, json={"required": True}).is_success
    key = new_key(owner, ws, role="viewer")["secret"]
    used = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {key}"})
    assert used.status_code == 200
    passkey_challenge = owner.post("/api/v1/auth/passkeys/registration-options").json()[
        "publicKey"
    ]["challenge"]
    export = owner.get("/api/v1/workspace/export", ws=ws)
    assert export.status_code == 200

    stored = sql.owner(
        """SELECT t.secret, array_agg(b.code_hash) AS hashes FROM user_totp t
             JOIN backup_codes b USING (user_id) WHERE t.user_id = %s GROUP BY t.secret""",
        owner.id,
    )[0]
    key_hash = sql.owner("SELECT token_hash FROM api_keys", workspace=ws["id"])[0]["token_hash"]
    texts = [setup["secret"], setup["otpauth_uri"], first, challenge, *codes, key]
    texts += [key.rsplit("_", 1)[1], passkey_challenge]
    blobs = [bytes(stored["secret"]), app.secret, *(bytes(h) for h in stored["hashes"])]
    blobs.append(bytes(key_hash))
    hex_blobs = [b.hex() for b in blobs]

    logged = caplog.text
    assert "/api/v1/auth/sign-in/two-factor" in logged  # the requests are logged
    trail = str(owner.get("/api/v1/audit-events", ws=ws, params={"limit": 200}).json())
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    exported = b"".join(archive.read(name) for name in archive.namelist())
    for where, content in (("logs", logged), ("audit trail", trail)):
        for secret in texts + hex_blobs:
            assert secret not in content, where
    for secret in [t.encode() for t in texts] + [h.encode() for h in hex_blobs] + blobs:
        assert secret not in exported
    assert setup["qr_svg"][:200] not in logged
