"""Sign-up errors, sign-in, sessions and passwords over real HTTP (the rest of sign-up:
test_sign_up.py; the sign-in throttle: test_sign_in_throttle.py)."""

from __future__ import annotations

import httpx

from tests.factories import PASSWORD, Factory


def test_sign_up_rejects_short_password_with_field_message(client: httpx.Client) -> None:
    resp = client.post(
        "/api/v1/auth/sign-up", json={"email": "short@example.com", "password": "abc", "name": "S"}
    )
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "weak_password"
    assert "at least 10 characters" in error["message"]
    assert error["details"][0]["field"] == "password"


def test_sign_up_rejects_a_bad_email(client: httpx.Client) -> None:
    bad = client.post(
        "/api/v1/auth/sign-up", json={"email": "not-an-email", "password": PASSWORD, "name": "X"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.email"


def test_sign_in_makes_a_new_session_each_time(client: httpx.Client, factory: Factory) -> None:
    user = factory.user()
    first = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD})
    client.cookies.clear()  # a kept cookie would sign the next call in (and need a CSRF token)
    second = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD})
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    assert first.json()["session"]["id"] != second.json()["session"]["id"]
    sessions = user.get("/api/v1/auth/sessions").json()
    assert len(sessions) == 3
    assert [s["current"] for s in sessions].count(True) == 1


def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.Client, factory: Factory
) -> None:
    user = factory.user()
    wrong = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": "x" * 12})
    unknown = client.post(
        "/api/v1/auth/sign-in", json={"email": "nobody-here@example.com", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_failed_sign_ins_are_throttled_per_account_from_one_ip(
    client: httpx.Client, factory: Factory
) -> None:
    user = factory.user()
    for _ in range(5):
        resp = client.post(
            "/api/v1/auth/sign-in", json={"email": user.email, "password": "nope" * 3}
        )
        assert resp.status_code == 401
    blocked = client.post("/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["error"]["code"] == "sign_in_throttled"


def test_session_token_is_stored_only_as_hash(factory: Factory) -> None:
    user = factory.user()
    rows = factory.sql.owner("SELECT token_hash FROM sessions WHERE user_id = %s", user.id)
    assert len(rows) == 1
    assert user.token.encode() not in bytes(rows[0]["token_hash"])
    assert len(bytes(rows[0]["token_hash"])) == 32


def test_sign_out_ends_the_session(factory: Factory) -> None:
    user = factory.user()
    assert user.post("/api/v1/auth/sign-out").status_code == 204
    after = user.get("/api/v1/auth/session")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_session"


def test_anonymous_and_garbage_tokens_get_401(client: httpx.Client) -> None:
    assert client.get("/api/v1/auth/session").status_code == 401
    bad = client.get("/api/v1/auth/session", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_revoke_own_session_but_not_anothers(factory: Factory) -> None:
    user, other = factory.user(), factory.user()
    second = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    second_id = second.json()["session"]["id"]
    other_session = other.get("/api/v1/auth/session").json()["session"]["id"]
    assert user.delete(f"/api/v1/auth/sessions/{other_session}").status_code == 404
    assert other.get("/api/v1/auth/session").status_code == 200
    assert user.delete(f"/api/v1/auth/sessions/{second_id}").status_code == 204
    gone = factory.http.get(
        "/api/v1/auth/session", headers={"Authorization": f"Bearer {second.json()['token']}"}
    )
    assert gone.status_code == 401


def test_change_password_checks_current_and_revokes_others(factory: Factory) -> None:
    user = factory.user()
    other = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    factory.http.cookies.clear()  # the shared client stays anonymous
    wrong = user.post(
        "/api/v1/auth/change-password",
        json={"current_password": "wrong password", "new_password": "a new long password"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "current_password"
    ok = user.post(
        "/api/v1/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "a new long password"},
    )
    assert ok.status_code == 204
    assert user.get("/api/v1/auth/session").status_code == 200
    revoked = factory.http.get(
        "/api/v1/auth/session", headers={"Authorization": f"Bearer {other.json()['token']}"}
    )
    assert revoked.status_code == 401
    old = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": PASSWORD}
    )
    assert old.status_code == 401
    new = factory.http.post(
        "/api/v1/auth/sign-in", json={"email": user.email, "password": "a new long password"}
    )
    assert new.status_code == 200


def test_failed_sign_ins_are_throttled_per_ip_across_emails(client: httpx.Client) -> None:
    ip = {"X-Forwarded-For": "203.0.113.77"}  # the suite's server trusts 127.0.0.1 as a proxy
    for n in range(20):
        resp = client.post(
            "/api/v1/auth/sign-in",
            json={"email": f"guess-{n}@example.com", "password": "wrong password"},
            headers=ip,
        )
        assert resp.status_code == 401
    blocked = client.post(
        "/api/v1/auth/sign-in",
        json={"email": "yet-another@example.com", "password": "wrong password"},
        headers=ip,
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    elsewhere = client.post(
        "/api/v1/auth/sign-in",
        json={"email": "yet-another@example.com", "password": "wrong password"},
        headers={"X-Forwarded-For": "203.0.113.78"},
    )
    assert elsewhere.status_code == 401


def test_a_used_session_slides_its_expiry_and_an_expired_one_is_refused(factory: Factory) -> None:
    user, idle = factory.user(), factory.user()
    factory.sql.owner(
        "UPDATE sessions SET last_seen_at = now() - interval '2 days',"
        " expires_at = now() + interval '1 hour' WHERE user_id = %s",
        user.id,
    )
    assert user.get("/api/v1/auth/session").status_code == 200
    slid = factory.sql.owner(
        "SELECT expires_at - now() > interval '6 days' AS slid,"
        " now() - last_seen_at < interval '1 minute' AS seen FROM sessions WHERE user_id = %s",
        user.id,
    )[0]
    assert slid == {"slid": True, "seen": True}
    factory.sql.owner(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = %s", idle.id
    )
    assert idle.get("/api/v1/auth/session").status_code == 401
