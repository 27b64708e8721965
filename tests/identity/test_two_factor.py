"""Two-factor sign-in over real HTTP: set-up, the challenge that creates no session, codes
that work once, throttling, turning it off, and what the database itself refuses."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from atlas.identity import two_factor
from atlas.identity.totp import backup_code_hash
from tests.factories import PASSWORD, Factory
from tests.identity.emails import last_token
from tests.identity.two_factor_helpers import app_of, turn_on
from tests.sql import Sql

SIGN_IN = "/api/v1/auth/sign-in"
ANSWER = "/api/v1/auth/sign-in/two-factor"


def _challenge(client: httpx.Client, email: str) -> str:
    resp = client.post(SIGN_IN, json={"email": email, "password": PASSWORD})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["two_factor_required"] is True
    return str(body["challenge"])


def _sessions(sql: Sql, user_id: uuid.UUID) -> int:
    return int(sql.owner("SELECT count(*) AS n FROM sessions WHERE user_id = %s", user_id)[0]["n"])


def test_set_up_needs_the_password_and_changes_nothing_until_enabled(
    client: httpx.Client, factory: Factory
) -> None:
    user = factory.user()
    wrong = user.post("/api/v1/auth/two-factor/setup", json={"password": "not the password"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert wrong.json()["error"]["details"][0]["field"] == "password"

    setup = user.post("/api/v1/auth/two-factor/setup", json={"password": PASSWORD})
    assert setup.status_code == 200
    body = setup.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Atlas%20ERP:")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg")
    status = user.get("/api/v1/auth/two-factor").json()
    assert status == {"enabled": False, "enabled_at": None, "backup_codes_left": 0}
    # Not on yet: the password alone still signs in.
    assert client.post(SIGN_IN, json={"email": user.email, "password": PASSWORD}).status_code == 200


def test_enable_needs_a_right_code_and_gives_ten_backup_codes(factory: Factory) -> None:
    user = factory.user()
    setup = user.post("/api/v1/auth/two-factor/setup", json={"password": PASSWORD}).json()
    app = app_of(setup)
    wrong = user.post("/api/v1/auth/two-factor/enable", json={"code": "000000"})
    if app.code() == "000000":  # one chance in a million
        pytest.skip("the app's code is the wrong one tried")
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "invalid_code"
    assert wrong.json()["error"]["details"] == [
        {"field": "code", "message": two_factor.INVALID_CODE}
    ]

    enabled = user.post("/api/v1/auth/two-factor/enable", json={"code": app.code()})
    assert enabled.status_code == 200
    codes = enabled.json()["backup_codes"]
    assert len(codes) == len(set(codes)) == 10
    status = user.get("/api/v1/auth/two-factor").json()
    assert status["enabled"] is True
    assert status["backup_codes_left"] == 10
    # The session it was done in now counts as signed in with two factors.
    current = [s for s in user.get("/api/v1/auth/sessions").json() if s["current"]]
    assert current[0]["authenticated_by"] == "password+totp"
    # A second set-up is refused while it is on.
    again = user.post("/api/v1/auth/two-factor/setup", json={"password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "two_factor_enabled"


def test_the_password_alone_opens_no_session(
    client: httpx.Client, factory: Factory, sql: Sql
) -> None:
    user = factory.user()
    turn_on(user)
    before = _sessions(sql, user.id)
    resp = client.post(SIGN_IN, json={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 202
    assert set(resp.json()) == {"two_factor_required", "challenge", "expires_at"}
    assert "set-cookie" not in resp.headers
    assert _sessions(sql, user.id) == before
    # The challenge is no session token.
    not_a_session = client.get(
        "/api/v1/auth/session", headers={"Authorization": f"Bearer {resp.json()['challenge']}"}
    )
    assert not_a_session.status_code == 401


def test_a_code_opens_the_session_once_and_is_never_taken_again(
    client: httpx.Client, factory: Factory, sql: Sql
) -> None:
    user = factory.user()
    app, _ = turn_on(user)  # the current step's code is spent by enabling
    replayed = client.post(
        ANSWER, json={"challenge": _challenge(client, user.email), "code": app.code()}
    )
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_code"

    challenge = _challenge(client, user.email)
    signed_in = client.post(ANSWER, json={"challenge": challenge, "code": app.code(1)})
    client.cookies.clear()
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["session"]["authenticated_by"] == "password+totp"
    # The challenge is spent, and the code too.
    spent = client.post(ANSWER, json={"challenge": challenge, "code": app.code(1)})
    assert spent.status_code == 401
    assert spent.json()["error"]["code"] == "challenge_expired"
    again = client.post(
        ANSWER, json={"challenge": _challenge(client, user.email), "code": app.code(1)}
    )
    assert again.json()["error"]["code"] == "invalid_code"
    assert _sessions(sql, user.id) == 2  # the factory's and this one


def test_a_backup_code_works_once(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    typed = codes[3].lower().replace("-", " ")  # as people type them
    first = client.post(ANSWER, json={"challenge": _challenge(client, user.email), "code": typed})
    client.cookies.clear()
    assert first.status_code == 200
    assert first.json()["session"]["authenticated_by"] == "password+backup_code"
    second = client.post(
        ANSWER, json={"challenge": _challenge(client, user.email), "code": codes[3]}
    )
    assert second.status_code == 401
    assert second.json()["error"]["code"] == "invalid_code"
    assert user.get("/api/v1/auth/two-factor").json()["backup_codes_left"] == 9


def test_a_challenge_takes_five_wrong_codes_then_is_spent(
    client: httpx.Client, factory: Factory
) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    challenge = _challenge(client, user.email)
    for _ in range(two_factor.CHALLENGE_MAX_ATTEMPTS):
        wrong = client.post(ANSWER, json={"challenge": challenge, "code": "AAAAA-AAAAA"})
        assert wrong.json()["error"]["code"] == "invalid_code"
    # Spent: even a right code is refused now.
    spent = client.post(ANSWER, json={"challenge": challenge, "code": codes[0]})
    assert spent.status_code == 401
    assert spent.json()["error"]["code"] == "challenge_expired"


def test_an_expired_challenge_is_refused(client: httpx.Client, factory: Factory, sql: Sql) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    challenge = _challenge(client, user.email)
    sql.owner(
        "UPDATE sign_in_challenges SET expires_at = now() - interval '1 second' WHERE user_id = %s",
        user.id,
    )
    resp = client.post(ANSWER, json={"challenge": challenge, "code": codes[0]})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "challenge_expired"


def test_wrong_codes_are_throttled_per_account(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    wrong = 0
    while wrong < two_factor.CODE_MAX_FAILURES:
        challenge = _challenge(client, user.email)
        for _ in range(
            min(two_factor.CHALLENGE_MAX_ATTEMPTS, two_factor.CODE_MAX_FAILURES - wrong)
        ):
            resp = client.post(ANSWER, json={"challenge": challenge, "code": "AAAAA-AAAAA"})
            assert resp.json()["error"]["code"] == "invalid_code"
            wrong += 1
    # The next code, even a right one, waits.
    throttled = client.post(
        ANSWER, json={"challenge": _challenge(client, user.email), "code": codes[0]}
    )
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "two_factor_throttled"
    assert int(throttled.headers["retry-after"]) > 0


def test_turning_off_needs_the_password_and_a_code(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    _, codes = turn_on(user)
    no_password = user.post(
        "/api/v1/auth/two-factor/disable", json={"password": "x" * 12, "code": codes[0]}
    )
    assert no_password.status_code == 422
    assert no_password.json()["error"]["code"] == "invalid_credentials"
    no_code = user.post(
        "/api/v1/auth/two-factor/disable", json={"password": PASSWORD, "code": "AAAAA-AAAAA"}
    )
    assert no_code.status_code == 422
    assert no_code.json()["error"]["code"] == "invalid_code"
    off = user.post(
        "/api/v1/auth/two-factor/disable", json={"password": PASSWORD, "code": codes[0]}
    )
    assert off.status_code == 204
    assert user.get("/api/v1/auth/two-factor").json()["enabled"] is False
    assert client.post(SIGN_IN, json={"email": user.email, "password": PASSWORD}).status_code == 200
    again = user.post(
        "/api/v1/auth/two-factor/disable", json={"password": PASSWORD, "code": codes[1]}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "two_factor_not_enabled"


def test_new_backup_codes_replace_the_old(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    _, old = turn_on(user)
    resp = user.post(
        "/api/v1/auth/two-factor/backup-codes", json={"password": PASSWORD, "code": old[0]}
    )
    assert resp.status_code == 200
    new = resp.json()["backup_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    stale = client.post(ANSWER, json={"challenge": _challenge(client, user.email), "code": old[1]})
    assert stale.json()["error"]["code"] == "invalid_code"
    fresh = client.post(ANSWER, json={"challenge": _challenge(client, user.email), "code": new[0]})
    client.cookies.clear()
    assert fresh.status_code == 200


def test_a_password_reset_keeps_two_factor(
    client: httpx.Client, factory: Factory, sql: Sql
) -> None:
    user = factory.user()
    turn_on(user)
    client.post("/api/v1/auth/password-reset/request", json={"email": user.email})
    token = last_token(sql, user.email, "/reset-password")
    new_password = "a brand new passphrase"
    reset = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
    )
    assert reset.status_code == 204
    resp = client.post(SIGN_IN, json={"email": user.email, "password": new_password})
    assert resp.status_code == 202
    assert "challenge" in resp.json()


def test_a_workspace_token_cannot_manage_two_factor(factory: Factory) -> None:
    user = factory.user()
    ws = factory.workspace(user)
    token = user.post("/api/v1/auth/workspace-token", json={"workspace": ws["slug"]}).json()[
        "token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    for path, body in [
        ("/api/v1/auth/two-factor/setup", {"password": PASSWORD}),
        ("/api/v1/auth/two-factor/enable", {"code": "123456"}),
        ("/api/v1/auth/two-factor/disable", {"password": PASSWORD, "code": "123456"}),
        ("/api/v1/auth/two-factor/backup-codes", {"password": PASSWORD, "code": "123456"}),
    ]:
        resp = user.http.post(path, json=body, headers=headers)
        assert resp.status_code == 403, path
        assert resp.json()["error"]["code"] == "session_required"


def test_the_database_keeps_the_secret_sealed_and_the_step_moving_forward(
    factory: Factory, sql: Sql
) -> None:
    user = factory.user()
    app, codes = turn_on(user)
    row = sql.owner("SELECT secret, last_used_step FROM user_totp WHERE user_id = %s", user.id)[0]
    assert app.secret not in bytes(row["secret"])
    step = row["last_used_step"]

    def move_to(value: object) -> list[dict[str, object]]:
        return sql.app(
            "UPDATE user_totp SET last_used_step = %s WHERE user_id = %s RETURNING last_used_step",
            value,
            user.id,
        )

    for backwards in (step, step - 1, None):
        with pytest.raises(psycopg.errors.CheckViolation):
            move_to(backwards)
    assert move_to(step + 1) == [{"last_used_step": step + 1}]
    # Backup codes are kept as hashes only.
    stored = {
        bytes(r["code_hash"])
        for r in sql.owner("SELECT code_hash FROM backup_codes WHERE user_id = %s", user.id)
    }
    assert stored == {backup_code_hash(c) for c in codes}
    assert not any(c.replace("-", "").encode() in h for c in codes for h in stored)
