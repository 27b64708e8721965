"""The tenant export route: the caller's workspace as a ZIP download (`workspace:export`),
holding only what the caller may read through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from atlas.db.pool import TransactionRoute
from atlas.exports import service
from atlas.tenancy.context import WorkspaceContext
from atlas.tenancy.guard import Db, require

WorkspaceExport = Annotated[WorkspaceContext, Depends(require("workspace:export"))]

CHUNK_BYTES = 64 * 1024

router = APIRouter(prefix="/api/v1", tags=["workspaces"], route_class=TransactionRoute)


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    """The archive in 64 KiB pieces; the file is closed when streaming ends or stops."""
    try:
        while chunk := archive.read(CHUNK_BYTES):
            yield chunk
    finally:
        archive.close()


@router.get(
    "/workspace/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def export_workspace(ctx: WorkspaceExport, db: Db) -> StreamingResponse:
    """The workspace as a ZIP: one JSON-lines file per table the caller may list and a
    manifest naming the tables left out and the permission each needs.

    Salaries only with `hr:salary`, audit events only with `audit:read` and redacted as
    the audit API redacts them; secrets (invitation token hashes) never. The archive is
    built before the response starts, so the request transaction has ended by the time
    the bytes stream.
    """
    archive, filename = await service.export_for_request(ctx, db)
    return StreamingResponse(
        _chunks(archive),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
