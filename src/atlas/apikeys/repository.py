"""Every SQL statement on `api_keys` of one workspace."""

from __future__ import annotations

import uuid

import asyncpg

from atlas.db.query import ScopedRepository, Where, fetch_page
from atlas.db.sql import escape_like
from atlas.pagination import PageRequest, order_by

KEY_STATUS = """CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                     WHEN k.expires_at <= now() THEN 'expired' ELSE 'active' END"""
KEY_COLUMNS = f"""k.id, k.name, k.created_by, u.name AS created_by_name, k.role,
    r.name AS custom_role_name, coalesce(k.permissions, r.permissions) AS listed_permissions,
    {KEY_STATUS} AS status, k.created_at, k.expires_at, k.revoked_at, k.last_used_at"""
KEYS = """api_keys k JOIN users u ON u.id = k.created_by
    LEFT JOIN workspace_roles r ON r.workspace_id = k.workspace_id AND r.id = k.custom_role_id"""
KEY_SORTS = {
    "name": "lower(k.name)",
    "created_at": "k.created_at",
    "expires_at": "k.expires_at",
    "last_used_at": "k.last_used_at",
}


class ApiKeysRepository(ScopedRepository):
    async def create(
        self,
        key_id: uuid.UUID,
        *,
        name: str,
        created_by: uuid.UUID,
        role: str | None,
        custom_role_id: uuid.UUID | None,
        permissions: list[str] | None,
        token_hash: bytes,
        days: int,
    ) -> None:
        """A key expiring `days` after its creation, both read off the database's clock."""
        await self.db.execute(
            """INSERT INTO api_keys (workspace_id, id, name, created_by, role, custom_role_id,
                                     permissions, token_hash, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(days => $9))""",
            self.workspace_id,
            key_id,
            name,
            created_by,
            role,
            custom_role_id,
            permissions,
            token_hash,
            days,
        )

    async def get(self, key_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {KEY_COLUMNS} FROM {KEYS} WHERE k.workspace_id = $1 AND k.id = $2",
            self.workspace_id,
            key_id,
        )

    async def list(
        self, *, status: str | None, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, KEY_SORTS, "-created_at")
        where = Where(self.workspace_id, "k")
        if status is not None:
            where.add(f"{KEY_STATUS} = {where.param(status)}")
        if q:
            where.add(f"k.name ILIKE {where.param(f'%{escape_like(q)}%')}")
        return await fetch_page(self.db, KEY_COLUMNS, KEYS, where, order, page.limit, page.offset)

    async def revoke(self, key_id: uuid.UUID) -> bool:
        """False if the key is already revoked."""
        row = await self.db.fetchrow(
            """UPDATE api_keys SET revoked_at = now()
                WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id""",
            self.workspace_id,
            key_id,
        )
        return row is not None
