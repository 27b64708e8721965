"""Liveness, readiness and request ids."""

from __future__ import annotations

import httpx

from atlas.db.migrate import head_revision


def test_healthz(client: httpx.Client) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_readyz_reports_database_and_migration(client: httpx.Client) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok", "migration": head_revision()}


def test_every_response_carries_a_request_id(client: httpx.Client) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 16
    kept = client.get("/healthz", headers={"X-Request-Id": "abc123DEF456"})
    assert kept.headers["x-request-id"] == "abc123DEF456"


def test_openapi_document_is_served(client: httpx.Client) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/api/v1/auth/sign-in" in doc["paths"]
    assert client.get("/api/docs").status_code == 200


def test_unknown_route_uses_the_error_shape(client: httpx.Client) -> None:
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
