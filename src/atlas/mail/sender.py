"""The background sender: one asyncio task per worker that drains the outbox.

It claims due messages in small batches (`FOR UPDATE SKIP LOCKED`, so workers never take
the same message), sends them outside any transaction and records the outcome: sent, or
failed with the error and the next attempt after an exponential backoff, or given up
after `max_attempts`. Delivery is at least once: a worker that dies mid-send leaves its
messages leased, and another one sends them again when the lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

import asyncpg

from atlas.config import Settings
from atlas.mail.repository import OutboxMessage, OutboxRepository
from atlas.mail.transport import LogTransport, PermanentFailure, SmtpTransport, Transport

log = logging.getLogger("atlas.outbox")


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> float | None:
        """Seconds from the failed attempt to the next one; None once it is the last."""
        if attempts >= self.max_attempts:
            return None
        return min(self.base_seconds * 2.0 ** (attempts - 1), self.max_delay_seconds)


def emails_go_to_the_log(settings: Settings) -> bool:
    """Without SMTP the log is the delivery, except in production, where links are
    secrets that must not reach the log: there messages wait in the outbox for SMTP."""
    return settings.smtp_url is None and settings.environment != "production"


def transport_for(settings: Settings) -> Transport | None:
    """SMTP when configured; else the log (see `emails_go_to_the_log`), or none."""
    if settings.smtp_url is not None:
        return SmtpTransport(settings.smtp_url.get_secret_value(), settings.mail_from)
    if emails_go_to_the_log(settings):
        return LogTransport()
    return None


class OutboxSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        transport: Transport,
        *,
        policy: RetryPolicy = RetryPolicy(),
        batch_size: int = 10,
        poll_seconds: float = 2.0,
        lease_seconds: float = 300.0,
    ) -> None:
        self.pool = pool
        self.transport = transport
        self.policy = policy
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._stop = asyncio.Event()

    @contextlib.asynccontextmanager
    async def _outbox(self) -> AsyncIterator[OutboxRepository]:
        """The outbox on a pooled connection; each statement commits on its own."""
        async with self.pool.acquire() as conn:
            yield OutboxRepository(cast(asyncpg.Connection, conn))

    async def run_once(self) -> int:
        """Sends one batch of due messages; answers how many were attempted."""
        async with self._outbox() as outbox:
            batch = await outbox.claim_due(self.batch_size, self.lease_seconds)
        for message in batch:
            await self._deliver(message)
        return len(batch)

    async def _deliver(self, message: OutboxMessage) -> None:
        retry_in: float | None = None
        try:
            await self.transport.send(message)
        except Exception as exc:  # any failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:1000]
            if not isinstance(exc, PermanentFailure):
                retry_in = self.policy.delay(message.attempts)
            # From the claim's time, the database's clock, which the next claim compares with.
            retry_at = (
                None if retry_in is None else message.last_attempt_at + timedelta(seconds=retry_in)
            )
            async with self._outbox() as outbox:
                await outbox.mark_failed(message.id, error, retry_at)
            log.warning(
                "email %s to %s, attempt %d failed (%s); %s",
                message.id,
                message.to_email,
                message.attempts,
                error,
                f"retrying in {retry_in:.0f} s" if retry_in is not None else "giving up",
            )
            return
        async with self._outbox() as outbox:
            await outbox.mark_sent(message.id)

    async def run(self) -> None:
        """Drains the outbox until stopped; waits `poll_seconds` whenever it is empty."""
        while not self._stop.is_set():
            try:
                busy = await self.run_once() == self.batch_size
            except Exception:
                log.exception("the outbox sender failed; it will try again")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.poll_seconds)

    @contextlib.asynccontextmanager
    async def running(self, stop_timeout: float = 30.0) -> AsyncIterator[None]:
        """Runs the sender in a background task; on exit lets the current message finish
        (at most `stop_timeout` seconds), then stops."""
        self._stop.clear()
        task = asyncio.create_task(self.run(), name="atlas-outbox-sender")
        try:
            yield
        finally:
            self._stop.set()
            try:
                await asyncio.wait_for(task, stop_timeout)
            except TimeoutError:
                log.warning("the outbox sender did not stop in time; cancelled")


@contextlib.asynccontextmanager
async def run_outbox_sender(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[None]:
    """The app's sender, for its lifespan. Not in the test environment: tests run the
    sender themselves, against their own SMTP server."""
    if settings.environment == "test":
        yield
        return
    transport = transport_for(settings)
    if transport is None:
        log.warning("ATLAS_SMTP_URL is not set: emails wait in the outbox until it is")
        yield
        return
    async with OutboxSender(pool, transport).running():
        yield
