"""Builds a workspace's export archive: one `<table>.jsonl` per tenant table and a
`manifest.json`, written into any binary file object.

The endpoint and the `atlas-erp workspace export` command share `write_archive`; both
call it inside a transaction whose tenant context is the exported workspace. A member's
archive holds what they may read through the API and no more: the tables whose list
routes their role may call (`TABLE_READ_PERMISSIONS`), salaries only with `hr:salary`,
audit events redacted as the audit API redacts them. The operator's archive (the
command, no user) holds every table. Neither ever holds a secret.
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
from functools import partial
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import IO, Any

import asyncpg
from sqlalchemy import Table

from atlas.audit import service as audit
from atlas.db.pool import connect
from atlas.db.rls import enter_workspace
from atlas.errors import NotFound
from atlas.exports import repository
from atlas.hr import schemas as hr_schemas
from atlas.hr import service as hr
from atlas.schema import tenant_tables
from atlas.tenancy.context import WorkspaceContext

# 2: a member's archive leaves out the tables and columns they may not read (`omitted`,
# `redacted` and `access` in the manifest).
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
# The archive stays in memory up to this size, then spills to a temporary file on disk.
SPOOL_MAX_BYTES = 4 * 1024 * 1024
# How often (in rows) the progress callback hears about a table being written.
PROGRESS_EVERY = 1000

# (table name, rows done, rows in the table): called with 0 first and the total last.
Progress = Callable[[str, int, int], None]
RowView = Callable[[dict[str, Any]], dict[str, Any]]

# Every tenant table and the permissions its API list route requires (the `require(...)`
# aliases of each module's endpoints.py). A member's archive holds a table only if they
# hold them all; a tenant table missing here fails every export (and tests/exports).
TABLE_READ_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "accounts": ("ledger:read",),
    "api_keys": ("api-keys:manage",),
    "audit_events": ("audit:read",),
    "credit_note_lines": ("invoices:read",),
    "credit_notes": ("invoices:read",),
    "customers": ("customers:read",),
    "departments": ("departments:read",),
    # The current link is on the employee; past links are in the audit trail.
    "employee_user_links": ("employees:read", "audit:read"),
    "employees": ("employees:read",),
    "invitations": ("invitations:read",),
    "invoice_lines": ("invoices:read",),
    "invoice_sends": ("invoices:read",),
    "invoices": ("invoices:read",),
    "journal_draft_lines": ("ledger:read",),
    "journal_drafts": ("ledger:read",),
    "journal_entries": ("ledger:read",),
    "journal_day_totals": ("ledger:read",),
    "journal_lines": ("ledger:read",),
    "leave_requests": ("leave:read",),
    "leave_types": ("leave:read",),
    "ledgers": ("ledger:read",),
    # The counters behind employee and invoice numbers, which only those lists show.
    "number_sequences": ("employees:read", "invoices:read"),
    "payments": ("invoices:read",),
    "projects": ("projects:read",),
    "tasks": ("tasks:read",),
    "time_entries": ("time:read",),
    # The logo, with its bytes (hex), as every member may see it on the settings page.
    "workspace_logos": ("workspace:read",),
    "workspace_members": ("members:read",),
    "workspace_roles": ("roles:read",),
}


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


def json_line(row: dict[str, Any]) -> bytes:
    """One row as one line of JSON, every exported column by name."""
    text = json.dumps(row, default=_json_default, ensure_ascii=False)
    return (text + "\n").encode()


@dataclass(frozen=True, slots=True)
class TableView:
    """How a table appears in an archive: columns left out beyond the secrets, a
    redaction of each row, and what the manifest says was redacted."""

    hidden: frozenset[str] = frozenset()
    row: RowView | None = None
    redacted: tuple[dict[str, Any], ...] = ()


def _redaction(table: str, columns: list[str], requires: str | None) -> dict[str, Any]:
    return {"table": table, "columns": sorted(columns), "requires": requires}


def _member_view(reader: WorkspaceContext, table: str) -> TableView:
    """What the API shows `reader` of a table they may list."""
    if table == "employees" and not hr.may_see_salaries(reader):
        columns = sorted(hr_schemas.SALARY_FIELDS)
        return TableView(
            hidden=hr_schemas.SALARY_FIELDS,
            redacted=(_redaction(table, columns, "hr:salary"),),
        )
    if table == "audit_events":
        redacted = tuple(
            _redaction(table, [f"changes.{field}"], permission) | {"entity_type": entity}
            for entity, fields in audit.hidden_fields(reader).items()
            for field, permission in sorted(fields.items())
        )
        return TableView(row=partial(audit.visible_event, reader), redacted=redacted)
    return TableView()


def _view(reader: WorkspaceContext | None, table: Table) -> TableView | None:
    """The table as `reader` (None: the operator) may see it, or None if they may not
    list it."""
    # A table without an entry fails loudly here, for the operator too.
    needs = TABLE_READ_PERMISSIONS[table.name]
    if reader is None:
        return TableView()
    if not all(reader.can(permission) for permission in needs):
        return None
    return _member_view(reader, table.name)


def _secrets_left_out(table: Table) -> list[dict[str, Any]]:
    secret = repository.SECRET_COLUMNS.get(table.name)
    return [_redaction(table.name, list(secret), None)] if secret else []


def _access(reader: WorkspaceContext | None) -> dict[str, Any]:
    if reader is None:
        return {
            "kind": "operator",
            "note": "Every table of the workspace, without any user's permission check;"
            " secrets left out.",
        }
    return {
        "kind": "member",
        "user_id": str(reader.user_id),
        "role": reader.role,
        "permissions": sorted(reader.permissions),
        "note": "What this member may read through the API; tables they may not list"
        " are omitted, restricted fields redacted.",
    }


def archive_filename(slug: str, exported_at: datetime) -> str:
    return f"{slug}-export-{exported_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


async def write_archive(
    db: asyncpg.Connection,
    workspace: ExportedWorkspace,
    out: IO[bytes],
    *,
    reader: WorkspaceContext | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the workspace's export ZIP, as `reader` may see it (None: the operator,
    who sees every table), into `out` and return its manifest.

    `db` must be in a transaction whose tenant context is `workspace` (the cursor needs
    the transaction; row-level security needs the context). With `progress`, each table's
    rows are counted first so the callback knows the total.
    """
    exported_at = datetime.now(UTC)
    tables: list[dict[str, Any]] = []
    omitted: list[dict[str, Any]] = []
    redacted: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tenant_tables():
            view = _view(reader, table)
            if view is None:
                omitted.append(
                    {"name": table.name, "requires": list(TABLE_READ_PERMISSIONS[table.name])}
                )
                continue
            redacted += [*_secrets_left_out(table), *view.redacted]
            total = 0
            if progress is not None:
                total = await repository.count_rows(db, table, workspace.id)
                progress(table.name, 0, total)
            file_name = f"{table.name}.jsonl"
            rows = 0
            with archive.open(file_name, "w", force_zip64=True) as entry:
                async for record in repository.table_rows(db, table, workspace.id, view.hidden):
                    values = dict(record)
                    entry.write(json_line(values if view.row is None else view.row(values)))
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
            "access": _access(reader),
            "tables": tables,
            "omitted": omitted,
            "redacted": redacted,
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
        manifest = await write_archive(db, workspace, spool, reader=ctx)
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
    db = await connect(url)
    try:
        async with db.transaction():
            row = await repository.workspace_by_slug(db, slug)
            if row is None:
                raise UnknownWorkspace(f"No workspace has the slug '{slug}'.")
            workspace = ExportedWorkspace(row["id"], row["slug"], row["name"])
            await enter_workspace(db, workspace.id)
            with path.open("wb") as out:
                return await write_archive(db, workspace, out, reader=None, progress=progress)
    finally:
        await db.close()
