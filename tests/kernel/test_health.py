"""Liveness, readiness and request ids."""

from __future__ import annotations

import httpx
import pytest

from atlas.db.migrate import head_revision


def test_healthz(client: httpx.Client) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_readyz_reports_database_and_migration(client: httpx.Client) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok", "migration": head_revision()}


def test_every_response_carries_a_request_id_of_the_server(client: httpx.Client) -> None:
    generated = client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 16
    assert "x-client-request-id" not in generated.headers
    sent = client.get("/healthz", headers={"X-Request-Id": "abc123DEF456"})
    assert len(sent.headers["x-request-id"]) == 16
    assert sent.headers["x-request-id"] not in {"abc123DEF456", generated.headers["x-request-id"]}
    assert sent.headers["x-client-request-id"] == "abc123DEF456"


@pytest.mark.parametrize(
    "client_id",
    ["x" * 65, "two words", "caf\xe9", "semi;colon", 'quote"d', ""],
)
def test_a_client_request_id_that_is_not_a_short_token_is_dropped(
    client: httpx.Client, client_id: str
) -> None:
    resp = client.get("/healthz", headers={"X-Request-Id": client_id.encode("latin-1")})
    assert len(resp.headers["x-request-id"]) == 16
    assert "x-client-request-id" not in resp.headers


def test_a_client_request_id_of_64_token_characters_is_kept(client: httpx.Client) -> None:
    client_id = "Req-1.2_3~!#$%&'*+^`|" + "z" * 43
    assert len(client_id) == 64
    resp = client.get("/healthz", headers={"X-Request-Id": client_id})
    assert resp.headers["x-client-request-id"] == client_id
    assert resp.headers["x-request-id"] != client_id


def test_openapi_document_is_served(client: httpx.Client) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/sign-in" in doc["paths"]
    assert client.get("/api/docs").status_code == 200


def test_unknown_route_uses_the_error_shape(client: httpx.Client) -> None:
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
