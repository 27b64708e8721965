"""Builds a workspace's export archive: one `<table>.jsonl` per tenant table and a
`manifest.json`, written into any binary file object.

The endpoint and the `atlas-erp workspace export` command share `write_archive`; both
call it inside a transaction whose tenant context is the exported workspace.
"""

from __future__ import annotations

import json
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import IO, Any

import asyncpg

from atlas.db.metadata import tenant_tables
from atlas.db.pool import configure_connection
from atlas.errors import NotFound
from atlas.exports import repository
from atlas.tenancy.context import WorkspaceContext

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# The archive stays in memory up to this size, then spills to a temporary file on disk.
SPOOL_MAX_BYTES = 4 * 1024 * 1024
# How often (in rows) the progress callback hears about a table being written.
PROGRESS_EVERY = 1000

# (table name, rows done, rows in the table): called with 0 first and the total last.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ExportedWorkspace:
    """The workspace an archive is made of; it goes into the manifest."""

    id: uuid.UUID
    slug: str
    name: str


class UnknownWorkspace(NotFound):
    """No workspace has the slug given to the export command."""


def _json_default(value: Any) -> Any:
    """JSON for the column types json cannot write itself."""
    if isinstance(value, uuid.UUID | Decimal | IPv4Address | IPv6Address):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def json_line(record: asyncpg.Record) -> bytes:
    """One row as one line of JSON, every exported column by name."""
    text = json.dumps(dict(record.items()), default=_json_default, ensure_ascii=False)
    return (text + "\n").encode()


def archive_filename(slug: str, exported_at: datetime) -> str:
    return f"{slug}-export-{exported_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


async def write_archive(
    db: asyncpg.Connection,
    workspace: ExportedWorkspace,
    out: IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the workspace's export ZIP into `out` and return its manifest.

    `db` must be in a transaction whose tenant context is `workspace` (the cursor needs
    the transaction; row-level security needs the context). With `progress`, each table's
    rows are counted first so the callback knows the total.
    """
    exported_at = datetime.now(UTC)
    tables: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tenant_tables():
            total = 0
            if progress is not None:
                total = await repository.count_rows(db, table, workspace.id)
                progress(table.name, 0, total)
            file_name = f"{table.name}.jsonl"
            rows = 0
            with archive.open(file_name, "w", force_zip64=True) as entry:
                async for record in repository.table_rows(db, table, workspace.id):
                    entry.write(json_line(record))
                    rows += 1
                    if progress is not None and rows % PROGRESS_EVERY == 0:
                        progress(table.name, rows, max(total, rows))
            if progress is not None:
                progress(table.name, rows, rows)
            tables.append({"name": table.name, "file": file_name, "rows": rows})
        manifest = {
            "format_version": FORMAT_VERSION,
            "workspace": {"id": str(workspace.id), "slug": workspace.slug, "name": workspace.name},
            "exported_at": exported_at.isoformat(),
            "tables": tables,
        }
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2) + "\n")
    return manifest


async def export_for_request(
    ctx: WorkspaceContext, db: asyncpg.Connection
) -> tuple[IO[bytes], str]:
    """The caller's workspace archived into a spooled temporary file (rewound), and the
    file name to offer. The caller closes the file."""
    workspace = ExportedWorkspace(ctx.workspace_id, ctx.workspace_slug, ctx.workspace_name)
    # Handed to the response, which closes it after streaming: no `with` here.
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    try:
        manifest = await write_archive(db, workspace, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = archive_filename(workspace.slug, datetime.fromisoformat(manifest["exported_at"]))
    return spool, name


async def export_to_path(
    url: str, slug: str, path: Path, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Operator export: connect to `url` (the runtime app role), act as the workspace
    named `slug` and write its archive to `path`. Raises UnknownWorkspace (nothing is
    written) if no workspace has that slug."""
    db = await asyncpg.connect(url)
    try:
        await configure_connection(db)
        async with db.transaction():
            row = await repository.workspace_by_slug(db, slug)
            if row is None:
                raise UnknownWorkspace(f"No workspace has the slug '{slug}'.")
            workspace = ExportedWorkspace(row["id"], row["slug"], row["name"])
            await repository.set_tenant_context(db, workspace.id)
            with path.open("wb") as out:
                return await write_archive(db, workspace, out, progress=progress)
    finally:
        await db.close()
