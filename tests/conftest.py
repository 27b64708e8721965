"""Test fixtures: a real PostgreSQL, real migrations, the real two roles, a real HTTP server.

The server is the embedded one (started in .atlas/test-pg) unless ATLAS_TEST_DATABASE_URL
names a superuser URL of another server. Each test run gets a fresh database.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from atlas.app import create_app
from atlas.config import Settings
from atlas.db.bootstrap import drop_database, ensure_roles_and_database, url_for_database
from atlas.db.embedded import EmbeddedPostgres
from atlas.db.migrate import upgrade
from tests.citus import citus_url, cluster_database
from tests.factories import Factory
from tests.process import serve_app
from tests.sql import Sql

# The shared access checks assert on behalf of the tests: keep pytest's detailed messages.
pytest.register_assert_rewrite("tests.access")

ROOT = Path(__file__).resolve().parents[1]
OWNER_ROLE = "atlas_owner"
APP_ROLE = "atlas_app"


def _embedded() -> EmbeddedPostgres:
    port = os.environ.get("ATLAS_TEST_PG_PORT")
    return EmbeddedPostgres(ROOT / ".atlas" / "test-pg", int(port) if port else None)


def superuser_url() -> str:
    url = os.environ.get("ATLAS_TEST_DATABASE_URL")
    if url:
        return url
    embedded = _embedded()
    lock_path = ROOT / ".atlas" / "test-pg.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:  # xdist workers start it once between them
        fcntl.flock(lock, fcntl.LOCK_EX)
        embedded.start()
    return embedded.superuser_url()


@contextmanager
def _new_database(prefix: str) -> Iterator[Settings]:
    """A fresh database with the two roles, dropped afterwards (on every node of the
    cluster that ATLAS_TEST_CITUS_URL names, if it does)."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    coordinator = citus_url()
    if coordinator is not None:
        with cluster_database(coordinator, name, owner_role=OWNER_ROLE, app_role=APP_ROLE) as url:
            yield _settings(url)
        return
    superuser = superuser_url()
    asyncio.run(
        ensure_roles_and_database(
            superuser, database=name, owner_role=OWNER_ROLE, app_role=APP_ROLE
        )
    )
    try:
        yield _settings(url_for_database(superuser, name))
    finally:
        asyncio.run(drop_database(superuser, name))


# The address the test servers' links and passkeys name (a name: WebAuthn takes no IP).
PUBLIC_URL = "http://localhost:8000"


def _settings(database_url: str) -> Settings:
    base = make_url(database_url).set(password=None)
    return Settings(
        database_url=base.set(username=OWNER_ROLE).render_as_string(hide_password=False),
        app_database_url=base.set(username=APP_ROLE).render_as_string(hide_password=False),
        secret_key=secrets.token_urlsafe(32),
        environment="test",
        public_url=PUBLIC_URL,
        data_dir=ROOT / ".atlas" / "test-data",
        pool_min_size=1,
        pool_max_size=8,
        # Thousands of sign-ups from 127.0.0.1: the limits have their own tests (tests/limits).
        rate_limit_auth_per_ip=100_000,
        rate_limit_auth_per_account=100_000,
        rate_limit_invitations_per_account=100_000,
        rate_limit_api_per_workspace=0,
        rate_limit_api_per_member=0,
        rate_limit_api_per_key=0,
        # The tests stand in for a proxy: X-Forwarded-For gives a test a client address of
        # its own (tests/kernel/test_client_address.py serves without a trusted proxy).
        trusted_proxies="127.0.0.1",
    )


@pytest.fixture(scope="session")
def database() -> Iterator[Settings]:
    """The suite's database, migrated to head."""
    with _new_database("atlas_test") as settings:
        upgrade(settings.owner_url(), APP_ROLE)
        yield settings


@pytest.fixture
def empty_database() -> Iterator[Settings]:
    """A database of its own, with the roles but no tables (migrations not applied)."""
    with _new_database("atlas_scratch") as settings:
        yield settings


@pytest.fixture(scope="session")
def sql(database: Settings) -> Iterator[Sql]:
    helper = Sql(database.owner_url(), database.runtime_url())
    yield helper
    helper.close()


@pytest.fixture(scope="session")
def server(database: Settings) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1, in a thread of the test process."""
    with serve_app(create_app(database)) as url:
        yield url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture
def factory(server: str, sql: Sql) -> Iterator[Factory]:
    f = Factory(server, sql)
    yield f
    f.close()
