"""Fixed-window counters: in Redis when configured, else in this worker's memory.

A window opens at a key's first hit and lasts `window` seconds; `hit` counts one request
and answers how many seconds the caller must wait (0: allowed).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Protocol, cast

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("atlas.limits")

KEY_PREFIX = "atlas:rl:"

# One round trip: count, open the window on the first hit (or heal a key that lost its
# expiry), and return the count and the window's remaining milliseconds.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class Store(Protocol):
    async def hit(self, key: str, limit: int, window: int) -> int:
        """Counts a request under `key`; seconds to wait when over `limit`, else 0."""
        ...

    async def close(self) -> None: ...


def _wait(count: int, limit: int, remaining_seconds: float) -> int:
    return max(1, math.ceil(remaining_seconds)) if count > limit else 0


class MemoryStore:
    """Counters of one worker. Expired windows are swept as keys are added, and at most
    `max_keys` are kept (the oldest windows go first), so memory stays bounded."""

    def __init__(
        self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)
        self._next_sweep = 0.0

    def __len__(self) -> int:
        return len(self._windows)

    def _sweep(self, now: float) -> None:
        expired = [key for key, (end, _) in self._windows.items() if end <= now]
        for key in expired:
            del self._windows[key]
        while len(self._windows) >= self.max_keys:
            del self._windows[next(iter(self._windows))]

    async def hit(self, key: str, limit: int, window: int) -> int:
        now = self._clock()
        end, count = self._windows.get(key, (0.0, 0))
        if end <= now:
            self._windows.pop(key, None)
            if now >= self._next_sweep or len(self._windows) >= self.max_keys:
                self._sweep(now)
                self._next_sweep = now + 1
            end, count = now + window, 0
        self._windows[key] = (end, count + 1)
        return _wait(count + 1, limit, end - now)

    async def close(self) -> None:
        self._windows.clear()


class RedisStore:
    """Counters shared by every worker. When Redis cannot answer, requests are allowed
    (fail open) and a warning is logged at most once a minute."""

    def __init__(self, url: str, prefix: str = KEY_PREFIX, timeout: float = 0.5) -> None:
        self.prefix = prefix
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=None
        )
        self._script = self._redis.register_script(HIT_SCRIPT)
        self._warned_at: float | None = None

    async def hit(self, key: str, limit: int, window: int) -> int:
        try:
            result = await self._script(keys=[self.prefix + key], args=[window * 1000])
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            if self._warned_at is None or now - self._warned_at >= 60:
                self._warned_at = now
                log.warning("rate limits off: Redis is not reachable (%s)", type(exc).__name__)
            return 0
        count, remaining_ms = cast(list[int], result)
        return _wait(int(count), limit, int(remaining_ms) / 1000)

    async def close(self) -> None:
        await self._redis.aclose()
