"""The two stores pass the same cases; memory stays bounded; Redis down fails open."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from atlas.limits.store import MemoryStore, RedisStore, Store
from tests.limits.conftest import REDIS_URL, STORES


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[Store]:
    made: Store = (
        MemoryStore() if request.param == "memory" else RedisStore(REDIS_URL, redis_prefix)
    )
    yield made
    await made.close()


def key() -> str:
    return f"case:{secrets.token_hex(6)}"


async def test_a_key_is_allowed_up_to_its_limit_then_told_to_wait(store: Store) -> None:
    k = key()
    assert [await store.hit(k, 3, 60) for _ in range(3)] == [0, 0, 0]
    wait = await store.hit(k, 3, 60)
    assert 1 <= wait <= 60
    assert await store.hit(k, 3, 60) > 0


async def test_keys_count_separately(store: Store) -> None:
    first, second = key(), key()
    await store.hit(first, 1, 60)
    assert await store.hit(first, 1, 60) > 0
    assert await store.hit(second, 1, 60) == 0


async def test_a_new_window_starts_after_the_old_one_ends(store: Store) -> None:
    k = key()
    await store.hit(k, 1, 1)
    assert await store.hit(k, 1, 1) == 1
    await asyncio.sleep(1.2)
    assert await store.hit(k, 1, 1) == 0


async def test_redis_keys_carry_the_prefix_and_expire(redis_prefix: str) -> None:
    store = RedisStore(REDIS_URL, redis_prefix)
    k = key()
    await store.hit(k, 5, 60)
    await store.close()
    client = aioredis.Redis.from_url(REDIS_URL)
    assert redis_prefix.startswith("atlas:rl:")
    assert await client.get(redis_prefix + k) == b"1"
    assert 0 < await client.pttl(redis_prefix + k) <= 60_000
    await client.aclose()


async def test_memory_store_sweeps_expired_windows_and_keeps_at_most_max_keys() -> None:
    now = [1000.0]
    store = MemoryStore(max_keys=50, clock=lambda: now[0])
    for n in range(40):
        await store.hit(f"old-{n}", 5, 10)
    assert len(store) == 40
    now[0] += 11
    await store.hit("new", 5, 10)
    assert len(store) == 1  # the expired windows are gone
    for n in range(200):
        await store.hit(f"flood-{n}", 5, 10)
    assert len(store) <= 50
    assert await store.hit("flood-199", 1, 10) > 0  # the newest windows are kept


async def test_unreachable_redis_fails_open_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RedisStore("redis://127.0.0.1:1/0", timeout=0.2)
    with caplog.at_level(logging.WARNING, logger="atlas.limits"):
        assert [await store.hit("down", 1, 60) for _ in range(3)] == [0, 0, 0]
    await store.close()
    warnings = [r for r in caplog.records if r.name == "atlas.limits"]
    assert len(warnings) == 1
    assert "Redis is not reachable" in warnings[0].getMessage()
