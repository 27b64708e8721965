"""Every SQL statement on users, sessions, email tokens and the second factors (global
tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from atlas.db.ids import uuid7

USER_COLUMNS = "id, email, name, email_verified, locale, created_at"
# What a user changes of their own account (`PATCH /api/v1/auth/me`).
ACCOUNT_COLUMNS = frozenset({"locale"})
SESSION_COLUMNS = (
    "id, created_at, last_seen_at, expires_at, ip_address, user_agent, active_workspace_id,"
    " authenticated_by, authenticated_at"
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
        authenticated_by: str,
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO sessions (id, user_id, token_hash, expires_at, ip_address, user_agent,
                                     active_workspace_id, authenticated_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               RETURNING {SESSION_COLUMNS}""",
            uuid7(),
            user_id,
            token_hash,
            expires_at,
            ip_address,
            user_agent,
            active_workspace_id,
            authenticated_by,
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


class TwoFactorRepository:
    """The TOTP secret, backup codes and sign-in challenges of users."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def totp_of(self, user_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            "SELECT secret, enabled_at, last_used_step FROM user_totp WHERE user_id = $1",
            user_id,
        )

    async def users_with_totp(self, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.db.fetch(
            "SELECT user_id FROM user_totp WHERE user_id = ANY($1) AND enabled_at IS NOT NULL",
            user_ids,
        )
        return {row["user_id"] for row in rows}

    async def put_pending_totp(self, user_id: uuid.UUID, sealed_secret: bytes) -> bool:
        """A new secret waiting for its first code; False if two-factor is already on."""
        row = await self.db.fetchrow(
            """INSERT INTO user_totp (user_id, secret) VALUES ($1, $2)
               ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret
                WHERE user_totp.enabled_at IS NULL
               RETURNING user_id""",
            user_id,
            sealed_secret,
        )
        return row is not None

    async def enable_totp(self, user_id: uuid.UUID) -> None:
        await self.db.execute(
            "UPDATE user_totp SET enabled_at = now() WHERE user_id = $1 AND enabled_at IS NULL",
            user_id,
        )

    async def use_totp_step(self, user_id: uuid.UUID, step: int) -> bool:
        """Moves the last used step forward to `step`; False if it is there or beyond (in
        the statement, so two requests with one code cannot both pass; the table's trigger
        refuses any backward move, whatever the statement)."""
        row = await self.db.fetchrow(
            """UPDATE user_totp SET last_used_step = $2
                WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)
               RETURNING user_id""",
            user_id,
            step,
        )
        return row is not None

    async def delete_second_factors(self, user_id: uuid.UUID) -> None:
        await self.db.execute("DELETE FROM backup_codes WHERE user_id = $1", user_id)
        await self.db.execute("DELETE FROM user_totp WHERE user_id = $1", user_id)

    async def replace_backup_codes(self, user_id: uuid.UUID, hashes: list[bytes]) -> None:
        await self.db.execute("DELETE FROM backup_codes WHERE user_id = $1", user_id)
        await self.db.executemany(
            "INSERT INTO backup_codes (user_id, code_hash) VALUES ($1, $2)",
            [(user_id, code_hash) for code_hash in hashes],
        )

    async def use_backup_code(self, user_id: uuid.UUID, code_hash: bytes) -> bool:
        row = await self.db.fetchrow(
            """UPDATE backup_codes SET used_at = now()
                WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id""",
            user_id,
            code_hash,
        )
        return row is not None

    async def backup_codes_left(self, user_id: uuid.UUID) -> int:
        left: int = await self.db.fetchval(
            "SELECT count(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL", user_id
        )
        return left

    async def create_challenge(
        self,
        user_id: uuid.UUID,
        token_hash: bytes,
        expires_at: datetime,
        ip_address: str | None,
        user_agent: str | None,
    ) -> None:
        await self.db.execute(
            """INSERT INTO sign_in_challenges
                   (id, user_id, token_hash, expires_at, ip_address, user_agent)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            uuid7(),
            user_id,
            token_hash,
            expires_at,
            ip_address,
            user_agent,
        )

    async def take_challenge_attempt(
        self, token_hash: bytes, max_attempts: int
    ) -> asyncpg.Record | None:
        """Counts one more code tried on the live challenge of this token, in the statement
        that finds it: None once it has expired or had `max_attempts` (even under
        concurrent tries)."""
        return await self.db.fetchrow(
            """UPDATE sign_in_challenges SET attempts = attempts + 1
                WHERE token_hash = $1 AND expires_at > now() AND attempts < $2
               RETURNING id, user_id""",
            token_hash,
            max_attempts,
        )

    async def spend_challenge(self, challenge_id: uuid.UUID) -> bool:
        """Deletes the challenge; False if another request spent it first."""
        row = await self.db.fetchrow(
            "DELETE FROM sign_in_challenges WHERE id = $1 RETURNING id", challenge_id
        )
        return row is not None

    async def delete_expired_challenges(self, user_id: uuid.UUID) -> None:
        await self.db.execute(
            "DELETE FROM sign_in_challenges WHERE user_id = $1 AND expires_at <= now()", user_id
        )

    async def set_session_authentication(self, session_id: uuid.UUID, by: str) -> None:
        await self.db.execute(
            """UPDATE sessions SET authenticated_by = $2, authenticated_at = now()
                WHERE id = $1""",
            session_id,
            by,
        )


PASSKEY_COLUMNS = "id, name, created_at, last_used_at"


class PasskeysRepository:
    """Users' passkeys and the challenges of their WebAuthn ceremonies."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def of_user(self, user_id: uuid.UUID) -> list[asyncpg.Record]:
        return await self.db.fetch(
            f"""SELECT {PASSKEY_COLUMNS}, credential_id, transports FROM passkeys
                 WHERE user_id = $1 ORDER BY created_at, id""",
            user_id,
        )

    async def users_with_passkeys(self, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.db.fetch(
            "SELECT DISTINCT user_id FROM passkeys WHERE user_id = ANY($1)", user_ids
        )
        return {row["user_id"] for row in rows}

    async def create(
        self,
        user_id: uuid.UUID,
        *,
        credential_id: bytes,
        public_key: bytes,
        sign_count: int,
        name: str,
        transports: list[str],
    ) -> asyncpg.Record | None:
        """The new passkey, or None if this credential is registered already."""
        return await self.db.fetchrow(
            f"""INSERT INTO passkeys (id, user_id, credential_id, public_key, sign_count, name,
                                      transports)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (credential_id) DO NOTHING RETURNING {PASSKEY_COLUMNS}""",
            uuid7(),
            user_id,
            credential_id,
            public_key,
            sign_count,
            name,
            transports,
        )

    async def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 AND id = $2",
            user_id,
            passkey_id,
        )

    async def by_credential(self, credential_id: bytes) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            "SELECT id, user_id, public_key, sign_count FROM passkeys WHERE credential_id = $1",
            credential_id,
        )

    async def rename(
        self, user_id: uuid.UUID, passkey_id: uuid.UUID, name: str
    ) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2
                RETURNING {PASSKEY_COLUMNS}""",
            user_id,
            passkey_id,
            name,
        )

    async def delete(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> bool:
        row = await self.db.fetchrow(
            "DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING id", user_id, passkey_id
        )
        return row is not None

    async def advance_counter(self, passkey_id: uuid.UUID, seen: int, new: int) -> bool:
        """The counter moves from `seen` to `new`; False if another sign-in moved it first."""
        row = await self.db.fetchrow(
            """UPDATE passkeys SET sign_count = $3, last_used_at = now()
                WHERE id = $1 AND sign_count = $2 RETURNING id""",
            passkey_id,
            seen,
            new,
        )
        return row is not None

    async def create_challenge(
        self, user_id: uuid.UUID | None, purpose: str, challenge_hash: bytes, expires_at: datetime
    ) -> None:
        await self.db.execute("DELETE FROM webauthn_challenges WHERE expires_at <= now()")
        await self.db.execute(
            """INSERT INTO webauthn_challenges (id, user_id, purpose, challenge_hash, expires_at)
               VALUES ($1, $2, $3, $4, $5)""",
            uuid7(),
            user_id,
            purpose,
            challenge_hash,
            expires_at,
        )

    async def take_challenge(self, challenge_hash: bytes, purpose: str) -> asyncpg.Record | None:
        """The live challenge of this hash, deleted in the statement that finds it (single
        use, even under concurrent answers)."""
        return await self.db.fetchrow(
            """DELETE FROM webauthn_challenges
                WHERE challenge_hash = $1 AND purpose = $2 AND expires_at > now()
               RETURNING user_id""",
            challenge_hash,
            purpose,
        )
