"""Every SQL statement on users and sessions (global tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from atlas.db.ids import uuid7

USER_COLUMNS = "id, email, name, email_verified, created_at"
SESSION_COLUMNS = (
    "id, created_at, last_seen_at, expires_at, ip_address, user_agent, active_workspace_id"
)


class IdentityRepository:
    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def create_user(self, email: str, name: str, password_hash: str) -> asyncpg.Record | None:
        """The new user, or None if the email is taken."""
        return await self.db.fetchrow(
            f"""INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
                ON CONFLICT ((lower(email))) DO NOTHING RETURNING {USER_COLUMNS}""",
            uuid7(),
            email,
            name,
            password_hash,
        )

    async def has_users(self) -> bool:
        return bool(await self.db.fetchval("SELECT EXISTS (SELECT 1 FROM users)"))

    async def user_by_email(self, email: str) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
        )

    async def user_by_id(self, user_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE id = $1", user_id
        )

    async def set_password(self, user_id: uuid.UUID, password_hash: str) -> None:
        await self.db.execute(
            "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
            user_id,
            password_hash,
        )

    async def create_session(
        self,
        user_id: uuid.UUID,
        token_hash: bytes,
        expires_at: datetime,
        ip_address: str | None,
        user_agent: str | None,
        active_workspace_id: uuid.UUID | None,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO sessions (id, user_id, token_hash, expires_at, ip_address, user_agent,
                                     active_workspace_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               RETURNING {SESSION_COLUMNS}""",
            uuid7(),
            user_id,
            token_hash,
            expires_at,
            ip_address,
            user_agent,
            active_workspace_id,
        )
        assert row is not None
        return row

    async def get_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND id = $2",
            user_id,
            session_id,
        )

    async def list_sessions(self, user_id: uuid.UUID) -> list[asyncpg.Record]:
        return await self.db.fetch(
            f"""SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > now()
                ORDER BY last_seen_at DESC""",
            user_id,
        )

    async def delete_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        result = await self.db.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND id = $2", user_id, session_id
        )
        return result != "DELETE 0"

    async def delete_other_sessions(self, user_id: uuid.UUID, keep: uuid.UUID) -> int:
        result = await self.db.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", user_id, keep
        )
        return int(result.split()[-1])

    async def set_active_workspace(
        self, session_id: uuid.UUID, workspace_id: uuid.UUID | None
    ) -> None:
        await self.db.execute(
            "UPDATE sessions SET active_workspace_id = $2 WHERE id = $1", session_id, workspace_id
        )
