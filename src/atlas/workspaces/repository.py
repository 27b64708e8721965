"""Every SQL statement on workspaces, members and invitations.

Tenant rows (members, invitations) are read and written through repositories built for
one workspace, which put `workspace_id = $1` into every statement; row-level security
filters the same rows again. Two repositories are scoped to the signed-in user instead
(their own memberships and the invitations addressed to them): the rows that the RLS
policies admit by `app.user_id` and `app.user_email` before a workspace is selected.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from atlas.db.pool import savepoint
from atlas.db.query import Where, fetch_page, rank
from atlas.db.sql import escape_like
from atlas.pagination import PageRequest, order_by

WORKSPACE_COLUMNS = (
    "w.id, w.name, w.slug, w.base_currency, w.timezone, w.fiscal_year_start_month, w.locale,"
    " w.legal_name, w.address, w.tax_id, w.bank_details, w.require_two_factor, w.created_at,"
    " w.updated_at"
)
UPDATABLE_WORKSPACE_COLUMNS = frozenset(
    {
        "name",
        "slug",
        "base_currency",
        "timezone",
        "fiscal_year_start_month",
        "locale",
        "legal_name",
        "address",
        "tax_id",
        "bank_details",
        "require_two_factor",
    }
)
MEMBER_COLUMNS = (
    "m.id, m.user_id, u.email, u.name, m.role, m.custom_role_id, m.created_at, m.updated_at"
)
# Pending invitations past their expiry read as expired; the stored status stays pending.
INVITATION_STATUS = (
    "CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END"
)
INVITATION_COLUMNS = (
    "i.id, i.workspace_id, i.email, i.role, i.custom_role_id, "
    f"{INVITATION_STATUS} AS status, i.inviter_user_id, i.expires_at, i.created_at, i.updated_at"
)

MY_WORKSPACES = "workspace_members m JOIN workspaces w ON w.id = m.workspace_id"
MEMBERS = "workspace_members m JOIN users u ON u.id = m.user_id"
# Pending, unexpired invitations with workspace and inviter names (the invitee's side).
RECEIVED_COLUMNS = """i.id, i.workspace_id, w.name AS workspace_name,
    w.slug AS workspace_slug, i.role, u.name AS inviter_name, i.expires_at, i.created_at"""
RECEIVED = """invitations i JOIN workspaces w ON w.id = i.workspace_id
    LEFT JOIN users u ON u.id = i.inviter_user_id"""
OPEN = "i.status = 'pending' AND i.expires_at > now()"

# Public sort keys of the list endpoints and the SQL they sort by (see pagination.order_by).
ROLE_ORDER = rank("m.role", ("owner", "admin", "member", "viewer"))
WORKSPACE_SORTS = {
    "name": "lower(w.name)",
    "slug": "w.slug",
    "role": ROLE_ORDER,
    "created_at": "w.created_at",
}
MEMBER_SORTS = {
    "name": "lower(u.name)",
    "email": "u.email",
    "role": ROLE_ORDER,
    "created_at": "m.created_at",
}
INVITATION_SORTS = {
    "email": "i.email",
    "status": f"({INVITATION_STATUS})",
    "created_at": "i.created_at",
    "expires_at": "i.expires_at",
}


def _contains(where: Where, q: str) -> str:
    """The parameter of a case-insensitive 'contains' pattern in which `q` matches literally."""
    return where.param(f"%{escape_like(q)}%")


# The event the tenant tables' audit trigger would write (atlas_audit_record, migration 0010).
AUDIT_WORKSPACE_CHANGE = """
SELECT atlas_audit_record('workspace', w.id, $2::jsonb, to_jsonb(w), '{}')
  FROM workspaces w WHERE w.id = $1
"""


def _uuid_or_none(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


class WorkspacesRepository:
    """The global `workspaces` table."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def taken_slugs(self, candidates: list[str]) -> set[str]:
        rows = await self.db.fetch(
            "SELECT slug FROM workspaces WHERE slug = ANY($1::text[])", candidates
        )
        return {r["slug"] for r in rows}

    async def insert(
        self,
        workspace_id: uuid.UUID,
        name: str,
        slug: str,
        base_currency: str,
        timezone: str,
        fiscal_year_start_month: int,
        locale: str,
    ) -> asyncpg.Record | None:
        """The new workspace, or None if the slug is taken."""
        return await self.db.fetchrow(
            f"""INSERT INTO workspaces AS w
                    (id, name, slug, base_currency, timezone, fiscal_year_start_month, locale)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (slug) DO NOTHING
                RETURNING {WORKSPACE_COLUMNS}""",
            workspace_id,
            name,
            slug,
            base_currency,
            timezone,
            fiscal_year_start_month,
            locale,
        )

    async def get(self, workspace_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"SELECT {WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = $1", workspace_id
        )

    async def update(
        self, workspace_id: uuid.UUID, changes: dict[str, Any]
    ) -> asyncpg.Record | None:
        """The updated workspace, or None if the new slug is taken.

        The change goes to the workspace's audit trail in the same transaction; the global
        table has no trigger for it (a reference table's trigger would fire on every
        node's copy, docs/adr/0006)."""
        columns = list(changes)
        if not set(columns) <= UPDATABLE_WORKSPACE_COLUMNS:
            raise ValueError(f"not updatable: {set(columns) - UPDATABLE_WORKSPACE_COLUMNS}")
        assignments = "".join(f"{c} = ${i}, " for i, c in enumerate(columns, start=2))
        try:
            # A savepoint, so that a taken slug leaves the request's transaction usable.
            async with savepoint(self.db, "workspace_update"):
                before = await self.db.fetchval(
                    "SELECT to_jsonb(w) FROM workspaces w WHERE w.id = $1 FOR UPDATE",
                    workspace_id,
                )
                row = await self.db.fetchrow(
                    f"""UPDATE workspaces AS w SET {assignments}updated_at = now()
                        WHERE w.id = $1 RETURNING {WORKSPACE_COLUMNS}""",
                    workspace_id,
                    *changes.values(),
                )
                if row is not None:
                    await self.db.execute(AUDIT_WORKSPACE_CHANGE, workspace_id, before)
                return row
        except asyncpg.UniqueViolationError:
            return None

    async def delete(self, workspace_id: uuid.UUID) -> bool:
        """Deletes the workspace; foreign keys cascade to every tenant row of it."""
        result = await self.db.execute("DELETE FROM workspaces WHERE id = $1", workspace_id)
        return result != "DELETE 0"

    async def all_ids(self) -> list[uuid.UUID]:
        """Every workspace, oldest first: for operator steps that visit each in turn."""
        rows = await self.db.fetch("SELECT id FROM workspaces ORDER BY created_at, id")
        return [r["id"] for r in rows]


class UserWorkspacesRepository:
    """The workspaces one user belongs to, read through their own membership rows."""

    def __init__(self, db: asyncpg.Connection, user_id: uuid.UUID) -> None:
        self.db = db
        self.user_id = user_id

    async def find(self, ref: str) -> asyncpg.Record | None:
        """The user's workspace with this id or slug, with their role; None if not a member."""
        return await self.db.fetchrow(
            f"""SELECT {WORKSPACE_COLUMNS}, m.role
                  FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
                 WHERE m.user_id = $1 AND (w.id = $2 OR w.slug = $3)""",
            self.user_id,
            _uuid_or_none(ref),
            ref,
        )

    async def list(
        self, *, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, WORKSPACE_SORTS, "name")
        where = Where.scoped("m.user_id = $1", self.user_id)
        if q:
            where.add(f"w.name ILIKE {_contains(where, q)}")
        return await fetch_page(
            self.db,
            f"{WORKSPACE_COLUMNS}, m.role",
            MY_WORKSPACES,
            where,
            order,
            page.limit,
            page.offset,
        )


class MembersRepository:
    """`workspace_members` of one workspace (with the members' names and emails)."""

    def __init__(self, db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
        self.db = db
        self.workspace_id = workspace_id

    async def get(self, member_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {MEMBER_COLUMNS}
                  FROM workspace_members m JOIN users u ON u.id = m.user_id
                 WHERE m.workspace_id = $1 AND m.id = $2
                {"FOR UPDATE OF m" if lock else ""}""",
            self.workspace_id,
            member_id,
        )

    async def of_users(self, user_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
        """The memberships of these users (non-members are left out), in one statement."""
        return await self.db.fetch(
            f"""SELECT {MEMBER_COLUMNS}
                  FROM workspace_members m JOIN users u ON u.id = m.user_id
                 WHERE m.workspace_id = $1 AND m.user_id = ANY($2::uuid[])""",
            self.workspace_id,
            list(user_ids),
        )

    async def by_user(self, user_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {MEMBER_COLUMNS}
                  FROM workspace_members m JOIN users u ON u.id = m.user_id
                 WHERE m.workspace_id = $1 AND m.user_id = $2
                {"FOR UPDATE OF m" if lock else ""}""",
            self.workspace_id,
            user_id,
        )

    async def has_email(self, email: str) -> bool:
        found = await self.db.fetchval(
            """SELECT EXISTS (
                   SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id
                    WHERE m.workspace_id = $1 AND lower(u.email) = lower($2))""",
            self.workspace_id,
            email,
        )
        return bool(found)

    async def lock_owners(self) -> list[uuid.UUID]:
        """The owners' member ids, locked: owner-count rules hold under concurrent requests."""
        rows = await self.db.fetch(
            """SELECT id FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'
                ORDER BY id FOR UPDATE""",
            self.workspace_id,
        )
        return [r["id"] for r in rows]

    async def insert(
        self,
        member_id: uuid.UUID,
        user_id: uuid.UUID,
        role: str,
        custom_role_id: uuid.UUID | None,
    ) -> asyncpg.Record | None:
        """The new membership row, or None if the user is a member already."""
        return await self.db.fetchrow(
            """INSERT INTO workspace_members (workspace_id, id, user_id, role, custom_role_id)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (workspace_id, user_id) DO NOTHING
               RETURNING id, user_id, role, created_at""",
            self.workspace_id,
            member_id,
            user_id,
            role,
            custom_role_id,
        )

    async def set_role(
        self, member_id: uuid.UUID, role: str, custom_role_id: uuid.UUID | None
    ) -> None:
        await self.db.execute(
            """UPDATE workspace_members SET role = $3, custom_role_id = $4, updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            member_id,
            role,
            custom_role_id,
        )

    async def delete(self, member_id: uuid.UUID) -> bool:
        result = await self.db.execute(
            "DELETE FROM workspace_members WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            member_id,
        )
        return result != "DELETE 0"

    async def list(
        self, *, role: str | None, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, MEMBER_SORTS, "name")
        where = Where(self.workspace_id, "m")
        if role is not None:
            where.add(f"m.role = {where.param(role)}")
        if q:
            pattern = _contains(where, q)
            where.add(f"(u.name ILIKE {pattern} OR u.email ILIKE {pattern})")
        return await fetch_page(
            self.db, MEMBER_COLUMNS, MEMBERS, where, order, page.limit, page.offset
        )


class InvitationsRepository:
    """`invitations` of one workspace."""

    def __init__(self, db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
        self.db = db
        self.workspace_id = workspace_id

    async def get(self, invitation_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {INVITATION_COLUMNS} FROM invitations i
                 WHERE i.workspace_id = $1 AND i.id = $2 {"FOR UPDATE" if lock else ""}""",
            self.workspace_id,
            invitation_id,
        )

    async def lock_pending_for(self, email: str) -> list[asyncpg.Record]:
        """The pending invitation(s) to `email` (expired ones too), locked."""
        return await self.db.fetch(
            f"""SELECT {INVITATION_COLUMNS} FROM invitations i
                 WHERE i.workspace_id = $1 AND lower(i.email) = lower($2)
                   AND i.status = 'pending'
                   FOR UPDATE""",
            self.workspace_id,
            email,
        )

    async def lock_for_invitee(
        self, invitation_id: uuid.UUID, email: str, token_hash: bytes | None = None
    ) -> asyncpg.Record | None:
        """The invitation, locked, if it is addressed to `email`; with `token_hash`, only
        while it is pending and still carries that token (a resend replaces it)."""
        return await self.db.fetchrow(
            f"""SELECT {INVITATION_COLUMNS} FROM invitations i
                 WHERE i.workspace_id = $1 AND i.id = $2 AND lower(i.email) = lower($3)
                   AND ($4::bytea IS NULL OR (i.token_hash = $4 AND i.status = 'pending'))
                   FOR UPDATE""",
            self.workspace_id,
            invitation_id,
            email,
            token_hash,
        )

    async def cancel_pending_for(self, email: str) -> int:
        """Cancels the pending invitation(s) to `email`; the number canceled."""
        result = await self.db.execute(
            """UPDATE invitations SET status = 'canceled', updated_at = now()
                WHERE workspace_id = $1 AND lower(email) = lower($2) AND status = 'pending'""",
            self.workspace_id,
            email,
        )
        return int(result.split()[-1])

    async def insert(
        self,
        invitation_id: uuid.UUID,
        email: str,
        role: str,
        custom_role_id: uuid.UUID | None,
        inviter_user_id: uuid.UUID,
        token_hash: bytes,
        ttl_hours: int,
    ) -> asyncpg.Record | None:
        """The new pending invitation, or None if another one to this email is pending."""
        inserted = await self.db.execute(
            """INSERT INTO invitations (workspace_id, id, email, role, custom_role_id,
                                        inviter_user_id, token_hash, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(hours => $8))
                ON CONFLICT (workspace_id, lower(email)) WHERE status = 'pending' DO NOTHING""",
            self.workspace_id,
            invitation_id,
            email,
            role,
            custom_role_id,
            inviter_user_id,
            token_hash,
            ttl_hours,
        )
        return await self._read_back(inserted, invitation_id)

    async def _read_back(self, command_tag: str, invitation_id: uuid.UUID) -> asyncpg.Record | None:
        """The invitation a write just changed, or None if it changed no row. Read back, not
        returned: its status compares the expiry with now(), which Citus refuses in RETURNING."""
        return None if command_tag.endswith(" 0") else await self.get(invitation_id)

    async def renew(
        self, invitation_id: uuid.UUID, token_hash: bytes, ttl_hours: int
    ) -> asyncpg.Record:
        renewed = await self.db.execute(
            """UPDATE invitations
                  SET status = 'pending', token_hash = $3,
                      expires_at = now() + make_interval(hours => $4), updated_at = now()
                WHERE workspace_id = $1 AND id = $2""",
            self.workspace_id,
            invitation_id,
            token_hash,
            ttl_hours,
        )
        row = await self._read_back(renewed, invitation_id)
        assert row is not None
        return row

    async def set_status(self, invitation_id: uuid.UUID, status: str) -> asyncpg.Record:
        changed = await self.db.execute(
            "UPDATE invitations SET status = $3, updated_at = now()"
            " WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            invitation_id,
            status,
        )
        row = await self._read_back(changed, invitation_id)
        assert row is not None
        return row

    async def list(
        self, *, status: str | None, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        order = order_by(sort, INVITATION_SORTS, "-created_at")
        where = Where(self.workspace_id, "i")
        if status is not None:
            where.add(f"({INVITATION_STATUS}) = {where.param(status)}")
        if q:
            where.add(f"i.email ILIKE {_contains(where, q)}")
        return await fetch_page(
            self.db, INVITATION_COLUMNS, "invitations i", where, order, page.limit, page.offset
        )


class ReceivedInvitationsRepository:
    """Invitations addressed to one email, across workspaces (the invitee's side)."""

    def __init__(self, db: asyncpg.Connection, email: str) -> None:
        self.db = db
        self.email = email

    def _open(self) -> Where:
        where = Where.scoped("lower(i.email) = lower($1)", self.email)
        where.add(OPEN)
        return where

    async def list(self, *, page: PageRequest) -> tuple[list[asyncpg.Record], int]:
        """The open invitations, newest first."""
        return await fetch_page(
            self.db,
            RECEIVED_COLUMNS,
            RECEIVED,
            self._open(),
            "i.created_at DESC, i.id DESC",
            page.limit,
            page.offset,
        )

    async def get_open(self, invitation_id: uuid.UUID) -> asyncpg.Record | None:
        where = self._open()
        where.add(f"i.id = {where.param(invitation_id)}")
        return await self.db.fetchrow(
            f"SELECT {RECEIVED_COLUMNS} FROM {RECEIVED} WHERE {where.sql()}", *where.args
        )

    async def find(self, invitation_id: uuid.UUID) -> asyncpg.Record | None:
        """Where the invitation is (its workspace), if it is addressed to the email.

        Not locked: widened visibility admits reads only; the service locks the row once
        it has entered the invitation's workspace."""
        return await self.db.fetchrow(
            """SELECT i.id, i.workspace_id FROM invitations i
                WHERE lower(i.email) = lower($1) AND i.id = $2""",
            self.email,
            invitation_id,
        )

    async def find_pending_by_token(self, token_hash: bytes) -> asyncpg.Record | None:
        """The pending invitation to the email whose link carries this token."""
        return await self.db.fetchrow(
            """SELECT i.id, i.workspace_id FROM invitations i
                WHERE lower(i.email) = lower($1) AND i.token_hash = $2
                  AND i.status = 'pending'""",
            self.email,
            token_hash,
        )


LOGO_COLUMNS = "l.id, l.content_type, l.size_bytes, l.sha256, l.width, l.height, l.updated_at"


class LogosRepository:
    """`workspace_logos` of one workspace: its one logo, if any."""

    def __init__(self, db: asyncpg.Connection, workspace_id: uuid.UUID) -> None:
        self.db = db
        self.workspace_id = workspace_id

    async def get(self) -> asyncpg.Record | None:
        """The logo's description, without its bytes."""
        return await self.db.fetchrow(
            f"SELECT {LOGO_COLUMNS} FROM workspace_logos l WHERE l.workspace_id = $1",
            self.workspace_id,
        )

    async def content(self, sha256: str) -> asyncpg.Record | None:
        """The bytes and content type of the logo, if it is the one with this hash."""
        return await self.db.fetchrow(
            """SELECT l.content, l.content_type FROM workspace_logos l
                WHERE l.workspace_id = $1 AND l.sha256 = $2""",
            self.workspace_id,
            sha256,
        )

    async def save(
        self,
        logo_id: uuid.UUID,
        content: bytes,
        content_type: str,
        width: int,
        height: int,
    ) -> asyncpg.Record:
        """Puts the logo in, replacing the workspace's one (which keeps its id); the
        database counts and hashes the bytes."""
        row = await self.db.fetchrow(
            f"""INSERT INTO workspace_logos AS l
                    (workspace_id, id, content, content_type, size_bytes, sha256, width, height)
                VALUES ($1, $2, $3, $4, octet_length($3::bytea), encode(sha256($3::bytea), 'hex'),
                        $5, $6)
                ON CONFLICT (workspace_id) DO UPDATE
                   SET content = EXCLUDED.content, content_type = EXCLUDED.content_type,
                       size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256,
                       width = EXCLUDED.width, height = EXCLUDED.height,
                       updated_at = EXCLUDED.updated_at
                RETURNING {LOGO_COLUMNS}""",
            self.workspace_id,
            logo_id,
            content,
            content_type,
            width,
            height,
        )
        assert row is not None
        return row

    async def delete(self) -> bool:
        status = await self.db.execute(
            "DELETE FROM workspace_logos WHERE workspace_id = $1", self.workspace_id
        )
        return status != "DELETE 0"
