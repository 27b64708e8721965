"""Counts failed sign-ins per key in a sliding window (in memory, per worker).

Memory stays bounded: checking a key stores nothing, keys without recent failures are
dropped, and at most `max_keys` keys are kept (the oldest go first).
"""

from __future__ import annotations

import math
import time
from collections import deque


class FailureThrottle:
    def __init__(self, max_failures: int, window_seconds: int, max_keys: int = 100_000) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._next_sweep = 0.0

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        while times and times[0] <= now - self.window:
            times.popleft()
        if times is not None and not times:
            del self._failures[key]
            return None
        return times

    def _make_room(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + 1
            for key in list(self._failures):
                self._recent(key, now)
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]

    def retry_after(self, *keys: str) -> int:
        """Seconds until every key may try again; 0 when none is blocked."""
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if times is not None and len(times) >= self.max_failures:
                wait = max(wait, times[len(times) - self.max_failures] + self.window - now)
        return math.ceil(wait)

    def record_failure(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= self.max_keys:
                    self._make_room(now)
                times = self._failures[key] = deque()
            times.append(now)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)
