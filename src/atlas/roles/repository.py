"""`workspace_roles` of one workspace, and who uses each role."""

from __future__ import annotations

import uuid

import asyncpg

from atlas.db.query import ScopedRepository

ROLE_COLUMNS = "r.id, r.name, r.description, r.permissions, r.created_at, r.updated_at"


class RolesRepository(ScopedRepository):
    async def all(self) -> list[asyncpg.Record]:
        return await self.db.fetch(
            f"SELECT {ROLE_COLUMNS} FROM workspace_roles r WHERE r.workspace_id = $1",
            self.workspace_id,
        )

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
        row = await self.db.fetchrow(
            f"""UPDATE workspace_roles AS r
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
