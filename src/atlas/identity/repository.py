"""Every SQL statement on users, sessions and email tokens (global tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from atlas.db.ids import uuid7

USER_COLUMNS = "id, email, name, email_verified, locale, created_at"
# What a user changes of their own account (`PATCH /api/v1/auth/me`).
ACCOUNT_COLUMNS = frozenset({"locale"})
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

    async def verified_email(self, user_id: uuid.UUID) -> str | None:
        """The user's email address if it is verified, else None."""
        email: str | None = await self.db.fetchval(
            "SELECT email FROM users WHERE id = $1 AND email_verified", user_id
        )
        return email

    async def update_user(self, user_id: uuid.UUID, changes: dict[str, object]) -> asyncpg.Record:
        """The user with `changes` (column -> value, of ACCOUNT_COLUMNS) made."""
        if not set(changes) <= ACCOUNT_COLUMNS:
            raise ValueError(f"not updatable: {set(changes) - ACCOUNT_COLUMNS}")
        assignments = "".join(f"{c} = ${i}, " for i, c in enumerate(changes, start=2))
        row = await self.db.fetchrow(
            f"""UPDATE users SET {assignments}updated_at = now() WHERE id = $1
                RETURNING {USER_COLUMNS}""",
            user_id,
            *changes.values(),
        )
        assert row is not None, "the guard read the user in this transaction"
        return row

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

    async def delete_sessions(self, user_id: uuid.UUID) -> int:
        result = await self.db.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
        return int(result.split()[-1])

    async def set_email_verified(self, user_id: uuid.UUID, email: str) -> asyncpg.Record | None:
        """Marks the email verified and returns the user, unless the account's address
        changed since (then None)."""
        return await self.db.fetchrow(
            f"""UPDATE users SET email_verified = true, updated_at = now()
                WHERE id = $1 AND lower(email) = lower($2) RETURNING {USER_COLUMNS}""",
            user_id,
            email,
        )

    async def create_email_token(
        self, user_id: uuid.UUID, purpose: str, token_hash: bytes, email: str, expires_at: datetime
    ) -> None:
        await self.db.execute(
            """INSERT INTO email_tokens (id, user_id, purpose, token_hash, email, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            uuid7(),
            user_id,
            purpose,
            token_hash,
            email,
            expires_at,
        )

    async def delete_unused_email_tokens(self, user_id: uuid.UUID, purpose: str) -> None:
        await self.db.execute(
            "DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
            user_id,
            purpose,
        )

    async def use_email_token(self, token_hash: bytes, purpose: str) -> asyncpg.Record | None:
        """Marks a live, unused token used (once only) and answers its user and email."""
        return await self.db.fetchrow(
            """UPDATE email_tokens SET used_at = now()
                WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL
                  AND expires_at > now()
            RETURNING user_id, email""",
            token_hash,
            purpose,
        )

    async def email_token_state(self, token_hash: bytes, purpose: str) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            """SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired
                 FROM email_tokens WHERE token_hash = $1 AND purpose = $2""",
            token_hash,
            purpose,
        )
