"""Creates the two roles and the database, given a superuser connection.

Production DBAs usually do this once by hand (docs/operations.md has the SQL); the
embedded server and the test suite do it here.
"""

from __future__ import annotations

from contextlib import suppress

import asyncpg
from sqlalchemy.engine import make_url

from atlas.db.sql import quote_ident


def url_for_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def ensure_roles_and_database(
    superuser_url: str, *, database: str, owner_role: str, app_role: str
) -> None:
    conn = await asyncpg.connect(superuser_url)
    try:
        # Roles are cluster-wide: concurrent bootstraps (parallel test workers) take turns.
        await conn.execute("SELECT pg_advisory_lock(hashtext('atlas-erp bootstrap'))")
        for role in (owner_role, app_role):
            with suppress(asyncpg.DuplicateObjectError):
                await conn.execute(
                    f"CREATE ROLE {quote_ident(role)} LOGIN NOSUPERUSER NOCREATEDB "
                    "NOCREATEROLE NOBYPASSRLS NOINHERIT"
                )
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            with suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(
                    f"CREATE DATABASE {quote_ident(database)} OWNER {quote_ident(owner_role)} "
                    "ENCODING 'UTF8' TEMPLATE template0"
                )
    finally:
        await conn.close()
    conn = await asyncpg.connect(url_for_database(superuser_url, database))
    try:
        # PostgreSQL 15+ no longer lets everyone create in `public`: the owner needs it.
        await conn.execute(f"GRANT ALL ON SCHEMA public TO {quote_ident(owner_role)}")
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {quote_ident(app_role)}")
    finally:
        await conn.close()


async def drop_database(superuser_url: str, database: str) -> None:
    conn = await asyncpg.connect(superuser_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
    finally:
        await conn.close()
