"""The server refuses to run as a role that could bypass row-level security."""

from __future__ import annotations

import asyncio

import pytest

from atlas.config import Settings
from atlas.db.pool import UnsafeRuntimeRole, create_pool, verify_runtime_role
from atlas.schema import tenant_tables

pytestmark = pytest.mark.pg_matrix


async def _check(url: str, settings: Settings) -> None:
    pool = await create_pool(url, settings)
    try:
        async with pool.acquire() as conn:
            await verify_runtime_role(
                conn,  # type: ignore[arg-type]
                [t.name for t in tenant_tables()],
            )
    finally:
        await pool.close()


def test_the_app_role_is_accepted(database: Settings) -> None:
    asyncio.run(_check(database.runtime_url(), database))


def test_the_owner_role_is_refused_with_a_clear_message(database: Settings) -> None:
    with pytest.raises(UnsafeRuntimeRole, match=r"owns .*tables: .*projects"):
        asyncio.run(_check(database.owner_url(), database))


def test_a_superuser_is_refused(database: Settings) -> None:
    from tests.conftest import superuser_url

    with pytest.raises(UnsafeRuntimeRole, match="superuser"):
        asyncio.run(_check(superuser_url(), database))
