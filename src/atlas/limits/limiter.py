"""The app's rate limiter: rules over a store, the 429 error and the app wiring."""

from __future__ import annotations

import hashlib
import uuid
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


async def check_workspace_limit(
    request: Request, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """The guard's hook, once it knows the workspace: counts an /api/ request (once, however
    often it is called) against the member's budget in the workspace, then against the
    workspace's (settings.rate_limit_api_per_member, _per_workspace; 0 turns one off).

    A request the member's limit refuses is not counted for the workspace: one member
    hammering the API spends only their own budget, never the other members'."""
    limiter = limiter_of(request)
    settings = limiter.settings
    if getattr(request.state, "workspace_limit_counted", False):
        return
    request.state.workspace_limit_counted = True
    if not request.url.path.startswith("/api/"):
        return
    if settings.rate_limit_api_per_member:
        key = f"api:member:{workspace_id}:{user_id}"
        await limiter.check([(key, settings.rate_limit_api_per_member)])
    if settings.rate_limit_api_per_workspace:
        await limiter.check([(f"api:ws:{workspace_id}", settings.rate_limit_api_per_workspace)])
