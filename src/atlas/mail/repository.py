"""Every SQL statement on `outbox_messages` (a global table: no RLS, the app role may).

A message may carry one attachment (an invoice's PDF), sent as a part of its own."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

import asyncpg

from atlas.db.ids import uuid7


class Attachment(NamedTuple):
    filename: str
    content_type: str  # "application/pdf"
    content: bytes


class OutboxMessage(NamedTuple):
    id: uuid.UUID
    workspace_id: uuid.UUID | None
    to_email: str
    subject: str
    body: str
    attempts: int
    last_attempt_at: datetime
    attachment: Attachment | None = None


def _message(row: asyncpg.Record) -> OutboxMessage:
    attachment = None
    if row["attachment_content"] is not None:
        attachment = Attachment(
            row["attachment_filename"],
            row["attachment_content_type"],
            bytes(row["attachment_content"]),
        )
    return OutboxMessage(
        id=row["id"],
        workspace_id=row["workspace_id"],
        to_email=row["to_email"],
        subject=row["subject"],
        body=row["body"],
        attempts=row["attempts"],
        last_attempt_at=row["last_attempt_at"],
        attachment=attachment,
    )


class OutboxRepository:
    """`outbox_messages`: emails to send, written in the transaction that causes them."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def add(
        self,
        workspace_id: uuid.UUID | None,
        to_email: str,
        subject: str,
        body: str,
        attachment: Attachment | None = None,
    ) -> uuid.UUID:
        message_id = uuid7()
        filename, content_type, content = attachment or (None, None, None)
        await self.db.execute(
            """INSERT INTO outbox_messages (id, workspace_id, to_email, subject, body,
                                            attachment_filename, attachment_content_type,
                                            attachment_content)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            message_id,
            workspace_id,
            to_email,
            subject,
            body,
            filename,
            content_type,
            content,
        )
        return message_id

    async def claim_due(self, limit: int, lease_seconds: float) -> list[OutboxMessage]:
        """Takes up to `limit` due messages that no other sender holds, counts the attempt
        and leases them: if this sender dies before recording the outcome, they are due
        again after `lease_seconds`."""
        rows = await self.db.fetch(
            """UPDATE outbox_messages o
                  SET attempts = o.attempts + 1, last_attempt_at = now(),
                      next_attempt_at = now() + make_interval(secs => $2)
                WHERE o.id IN (SELECT d.id FROM outbox_messages d
                                WHERE d.sent_at IS NULL AND d.failed_at IS NULL
                                  AND d.next_attempt_at <= now()
                                ORDER BY d.next_attempt_at LIMIT $1
                                  FOR UPDATE SKIP LOCKED)
            RETURNING o.id, o.workspace_id, o.to_email, o.subject, o.body, o.attempts,
                      o.last_attempt_at, o.attachment_filename, o.attachment_content_type,
                      o.attachment_content""",
            limit,
            lease_seconds,
        )
        return [_message(row) for row in rows]

    async def mark_sent(self, message_id: uuid.UUID) -> None:
        await self.db.execute(
            "UPDATE outbox_messages SET sent_at = now() WHERE id = $1", message_id
        )

    async def mark_failed(
        self, message_id: uuid.UUID, error: str, next_attempt_at: datetime | None
    ) -> None:
        """Records a failed attempt: due again at `next_attempt_at`, or given up. Two
        statements rather than a CASE: Citus refuses now() inside one."""
        if next_attempt_at is None:
            await self.db.execute(
                "UPDATE outbox_messages SET last_error = $2, failed_at = now() WHERE id = $1",
                message_id,
                error,
            )
            return
        await self.db.execute(
            "UPDATE outbox_messages SET last_error = $2, next_attempt_at = $3 WHERE id = $1",
            message_id,
            error,
            next_attempt_at,
        )
