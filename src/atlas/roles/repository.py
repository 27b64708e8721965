"""`workspace_roles` of one workspace, and who uses each role."""

from __future__ import annotations

import uuid

import asyncpg

from atlas.db.query import ScopedRepository, Where, fetch_page
from atlas.db.sql import escape_like
from atlas.pagination import PageRequest, order_by
from atlas.roles.schemas import BUILTIN_DESCRIPTIONS
from atlas.tenancy.permissions import BUILTIN_ROLES

ROLE_COLUMNS = "r.id, r.name, r.description, r.permissions, r.created_at, r.updated_at"
# The roles a workspace offers: the built-in ones (not rows: named by two array parameters,
# in privilege order) and its custom roles, with how many members hold each.
LISTED_COLUMNS = f"""{ROLE_COLUMNS}, r.builtin,
    (SELECT count(*) FROM workspace_members m
      WHERE m.workspace_id = $1 AND m.role = r.name) AS member_count"""
# Names are unique across both kinds (a custom role cannot take a built-in name), and sort
# by code point, as the names' own order.
BY_NAME = 'r.name COLLATE "C"'
ROLE_SORTS = {"name": BY_NAME, "member_count": "member_count"}
# Unless sorted: the built-in roles, most privileged first, then the custom roles by name.
BUILTINS_FIRST = f"r.position, {BY_NAME}"


def _listed(names: str, descriptions: str) -> str:
    return f"""(SELECT $1::uuid AS workspace_id, NULL::uuid AS id, b.name, b.description,
                       NULL::text[] AS permissions, NULL::timestamptz AS created_at,
                       NULL::timestamptz AS updated_at, true AS builtin, b.position
                  FROM unnest({names}::text[], {descriptions}::text[])
                       WITH ORDINALITY AS b (name, description, position)
                 UNION ALL
                SELECT c.workspace_id, c.id, c.name, c.description, c.permissions,
                       c.created_at, c.updated_at, false, {len(BUILTIN_ROLES) + 1}
                  FROM workspace_roles c WHERE c.workspace_id = $1) AS r"""


class RolesRepository(ScopedRepository):
    async def get(self, role_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {ROLE_COLUMNS} FROM workspace_roles r
                 WHERE r.workspace_id = $1 AND r.id = $2 {"FOR UPDATE" if lock else ""}""",
            self.workspace_id,
            role_id,
        )

    async def by_name(self, name: str, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            f"""SELECT {ROLE_COLUMNS} FROM workspace_roles r
                 WHERE r.workspace_id = $1 AND r.name = $2 {"FOR UPDATE" if lock else ""}""",
            self.workspace_id,
            name,
        )

    async def count(self) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM workspace_roles WHERE workspace_id = $1", self.workspace_id
            )
        )

    async def member_counts(self) -> dict[str, int]:
        rows = await self.db.fetch(
            """SELECT role, count(*) AS n FROM workspace_members
                WHERE workspace_id = $1 GROUP BY role""",
            self.workspace_id,
        )
        return {r["role"]: int(r["n"]) for r in rows}

    async def usage(self, role_id: uuid.UUID) -> tuple[int, int]:
        """Members holding the role, and pending invitations offering it."""
        row = await self.db.fetchrow(
            """SELECT (SELECT count(*) FROM workspace_members m
                        WHERE m.workspace_id = $1 AND m.custom_role_id = $2) AS members,
                      (SELECT count(*) FROM invitations i
                        WHERE i.workspace_id = $1 AND i.custom_role_id = $2
                          AND i.status = 'pending') AS invitations""",
            self.workspace_id,
            role_id,
        )
        assert row is not None
        return int(row["members"]), int(row["invitations"])

    async def insert(
        self, role_id: uuid.UUID, name: str, description: str, permissions: list[str]
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            f"""INSERT INTO workspace_roles AS r (workspace_id, id, name, description, permissions)
                VALUES ($1, $2, $3, $4, $5) RETURNING {ROLE_COLUMNS}""",
            self.workspace_id,
            role_id,
            name,
            description,
            permissions,
        )
        assert row is not None
        return row

    async def update(
        self, role_id: uuid.UUID, name: str, description: str, permissions: list[str]
    ) -> asyncpg.Record:
        """Changes the role, and renames it on the members and invitations that hold it in
        the same statement: their key (workspace_id, custom_role_id, role) is checked at the
        statement's end, when both sides carry the new name (no ON UPDATE CASCADE, which
        Citus refuses on a key holding workspace_id). The caller holds the role's lock."""
        row = await self.db.fetchrow(
            f"""WITH members AS (
                    UPDATE workspace_members SET role = $3
                     WHERE workspace_id = $1 AND custom_role_id = $2 AND role <> $3
                ), invitations AS (
                    UPDATE invitations SET role = $3
                     WHERE workspace_id = $1 AND custom_role_id = $2 AND role <> $3
                )
                UPDATE workspace_roles AS r
                   SET name = $3, description = $4, permissions = $5, updated_at = now()
                 WHERE r.workspace_id = $1 AND r.id = $2 RETURNING {ROLE_COLUMNS}""",
            self.workspace_id,
            role_id,
            name,
            description,
            permissions,
        )
        assert row is not None
        return row

    async def delete(self, role_id: uuid.UUID) -> None:
        await self.db.execute(
            "DELETE FROM workspace_roles WHERE workspace_id = $1 AND id = $2",
            self.workspace_id,
            role_id,
        )

    async def list(
        self, *, q: str | None, sort: str | None, page: PageRequest
    ) -> tuple[list[asyncpg.Record], int]:
        """Built-in and custom roles; `q` is looked for in names and descriptions."""
        order = order_by(sort, ROLE_SORTS, "name", tiebreak=BY_NAME) if sort else BUILTINS_FIRST
        where = Where(self.workspace_id, "r")
        names = where.param(list(BUILTIN_ROLES))
        descriptions = where.param([BUILTIN_DESCRIPTIONS[name] for name in BUILTIN_ROLES])
        if q:
            pattern = where.param(f"%{escape_like(q)}%")
            where.add(f"(r.name ILIKE {pattern} OR r.description ILIKE {pattern})")
        return await fetch_page(
            self.db,
            LISTED_COLUMNS,
            _listed(names, descriptions),
            where,
            order,
            page.limit,
            page.offset,
        )
