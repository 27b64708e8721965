"""Servers of their own with small limits, over the suite's database; per-run Redis keys."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi import FastAPI

from atlas.app import create_app
from atlas.config import Settings
from atlas.limits.store import KEY_PREFIX, RedisStore

REDIS_URL = "redis://127.0.0.1:6379/0"
STORES = ["memory", "redis"]

SMALL_LIMITS: dict[str, Any] = {
    "rate_limit_window_seconds": 60,
    "rate_limit_auth_per_ip": 3,
    "rate_limit_auth_per_account": 2,
    "rate_limit_invitations_per_account": 2,
    "rate_limit_api_per_workspace": 3,
    "rate_limit_api_per_member": 2,
    "rate_limit_api_per_key": 2,
    "max_body_bytes": 2000,
}


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test process; its keys are deleted at the end."""
    prefix = f"{KEY_PREFIX}test-{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def limited_app(database: Settings, store: str, redis_prefix: str, **changes: Any) -> FastAPI:
    """The real app with SMALL_LIMITS, counting in memory or in Redis under the run's prefix."""
    redis_url = REDIS_URL if store == "redis" else None
    settings = database.model_copy(update={**SMALL_LIMITS, "redis_url": redis_url, **changes})
    app = create_app(settings)
    if redis_url:
        asyncio.run(app.state.limiter.store.close())
        app.state.limiter.store = RedisStore(redis_url, prefix=redis_prefix)
    return app
