"""The app's rate limiter: rules over a store, the 429 error and the app wiring."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from fastapi import FastAPI, Request

from atlas.config import Settings
from atlas.errors import TooManyRequests
from atlas.limits.body import BodySizeLimit
from atlas.limits.store import MemoryStore, RedisStore, Store


def account_key(email: str) -> str:
    """An email as a counter key: normalized and hashed, so no address is stored."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    async def check(self, counters: Iterable[tuple[str, int]]) -> None:
        """Counts the request under every (key, limit); 429 if any is over its limit."""
        window = self.settings.rate_limit_window_seconds
        wait = 0
        for key, limit in counters:
            wait = max(wait, await self.store.hit(key, limit, window))
        if wait:
            raise TooManyRequests(
                "Too many requests; try again later.",
                code="rate_limited",
                headers={"Retry-After": str(wait)},
            )


def limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


def store_for(settings: Settings) -> Store:
    return RedisStore(settings.redis_url) if settings.redis_url else MemoryStore()


def install_limits(app: FastAPI) -> None:
    """Adds the body size middleware and the rate limiter (`app.state.limiter`)."""
    settings: Settings = app.state.settings
    app.state.limiter = RateLimiter(settings, store_for(settings))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
