"""The outbox sender against a real database and a tiny SMTP server in the test process."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from atlas.config import Settings
from atlas.db.ids import uuid7
from atlas.mail.sender import OutboxSender, RetryPolicy, run_outbox_sender, transport_for
from atlas.mail.transport import LogTransport, SmtpTransport, Transport
from tests.factories import Factory
from tests.finance.helpers import issue, new_customer, new_invoice
from tests.mail.smtp_server import FakeSmtp, closed_port_url
from tests.sql import Sql

MAIL_FROM = "Atlas ERP <no-reply@atlas.test>"
# Long delays: a message that failed is never due again by itself during a test.
POLICY = RetryPolicy(base_seconds=3600, max_delay_seconds=100 * 3600, max_attempts=3)


def with_sender(
    database: Settings,
    transport: Transport,
    scenario: Callable[[OutboxSender], Awaitable[None]],
    **options: Any,
) -> None:
    async def main() -> None:
        pool = await asyncpg.create_pool(database.runtime_url(), min_size=1, max_size=4)
        try:
            await scenario(OutboxSender(pool, transport, policy=POLICY, **options))
        finally:
            await pool.close()

    asyncio.run(main())


async def drain(sender: OutboxSender) -> None:
    """Sends until nothing is due (other tests' messages included)."""
    while await sender.run_once():
        pass


def send_all(database: Settings, transport: Transport) -> None:
    with_sender(database, transport, drain)


def queue(sql: Sql, body: str = "Hello") -> dict[str, Any]:
    message_id = uuid7()
    to = f"to-{secrets.token_hex(4)}@example.com"
    sql.owner(
        "INSERT INTO outbox_messages (id, to_email, subject, body) VALUES (%s, %s, 'Hi', %s)",
        message_id,
        to,
        body,
    )
    return row(sql, message_id)


def row(sql: Sql, message_id: uuid.UUID) -> dict[str, Any]:
    return sql.owner("SELECT * FROM outbox_messages WHERE id = %s", message_id)[0]


def make_due(sql: Sql, message_id: uuid.UUID) -> None:
    sql.owner("UPDATE outbox_messages SET next_attempt_at = now() WHERE id = %s", message_id)


def test_the_sender_delivers_an_invitation_by_smtp(
    database: Settings, factory: Factory, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"guest-{secrets.token_hex(4)}@example.com"
    invited = owner.post("/api/v1/invitations", ws=ws, json={"email": email, "role": "member"})
    assert invited.status_code == 201, invited.text
    (queued,) = sql.owner("SELECT * FROM outbox_messages WHERE workspace_id = %s", ws["id"])
    assert queued["sent_at"] is None

    with FakeSmtp() as smtp:
        send_all(database, SmtpTransport(smtp.url("mailer:s%40cret@"), MAIL_FROM))
    mine = [r for r in smtp.received if r.rcpt_to == [email]]
    assert len(mine) == 1
    message = mine[0].message
    assert mine[0].mail_from == "no-reply@atlas.test"
    assert message["Subject"] == queued["subject"]
    assert message["Message-ID"] == f"<{queued['id']}@atlas.test>"
    assert f"{database.public_url}/invitations/accept?token=" in message.get_content()
    assert ("mailer", "s@cret") in smtp.logins
    sent = row(sql, queued["id"])
    assert sent["sent_at"] is not None
    assert (sent["attempts"], sent["last_error"], sent["failed_at"]) == (1, None, None)


def test_failures_are_retried_with_growing_delays_until_delivery(
    database: Settings, sql: Sql
) -> None:
    message = queue(sql, "Third time lucky")
    send_all(database, SmtpTransport(closed_port_url(), MAIL_FROM))  # refused
    first = row(sql, message["id"])
    assert first["sent_at"] is None
    assert first["attempts"] == 1
    assert "ConnectionRefusedError" in first["last_error"]
    assert first["next_attempt_at"] - first["last_attempt_at"] == timedelta(hours=1)

    make_due(sql, message["id"])
    with FakeSmtp(mode="close") as smtp:
        transport = SmtpTransport(smtp.url(), MAIL_FROM)
        send_all(database, transport)  # the server hangs up
        second = row(sql, message["id"])
        assert second["sent_at"] is None
        assert second["attempts"] == 2
        assert "SMTPServerDisconnected" in second["last_error"]
        assert second["next_attempt_at"] - second["last_attempt_at"] == timedelta(hours=2)
        assert second["next_attempt_at"] > first["next_attempt_at"]

        send_all(database, transport)  # not due yet: nothing happens
        assert row(sql, message["id"])["attempts"] == 2

        smtp.mode = "ok"
        make_due(sql, message["id"])
        send_all(database, transport)
    delivered = row(sql, message["id"])
    assert delivered["sent_at"] is not None
    assert (delivered["attempts"], delivered["failed_at"]) == (3, None)
    mine = [
        r.message.get_content().strip() for r in smtp.received if r.rcpt_to == [message["to_email"]]
    ]
    assert mine == ["Third time lucky"]


def test_the_sender_gives_up_after_the_last_attempt(database: Settings, sql: Sql) -> None:
    message = queue(sql)
    transport = SmtpTransport(closed_port_url(), MAIL_FROM)
    for attempt in range(1, POLICY.max_attempts + 1):
        send_all(database, transport)
        assert row(sql, message["id"])["attempts"] == attempt
        make_due(sql, message["id"])
    given_up = row(sql, message["id"])
    assert given_up["failed_at"] is not None
    assert given_up["sent_at"] is None
    send_all(database, transport)
    assert row(sql, message["id"])["attempts"] == POLICY.max_attempts


def test_a_permanent_refusal_is_not_retried(database: Settings, sql: Sql) -> None:
    message = queue(sql)
    with FakeSmtp(mode="reject") as smtp:
        send_all(database, SmtpTransport(smtp.url(), MAIL_FROM))
    refused = row(sql, message["id"])
    assert refused["attempts"] == 1
    assert refused["failed_at"] is not None
    assert "550" in refused["last_error"]


def test_log_mode_writes_the_whole_message_to_the_log(
    database: Settings, sql: Sql, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="atlas.outbox")
    assert isinstance(transport_for(database), LogTransport)
    body = f"Your link: https://atlas.test/verify-email?token={secrets.token_hex(8)}"
    message = queue(sql, body)
    send_all(database, LogTransport())
    lines = [r.getMessage() for r in caplog.records if r.name == "atlas.outbox"]
    mine = [line for line in lines if str(message["id"]) in line]
    assert len(mine) == 1
    assert message["to_email"] in mine[0]
    assert body in mine[0]
    assert row(sql, message["id"])["sent_at"] is not None


def test_in_production_without_smtp_emails_wait_and_never_reach_the_log(
    database: Settings, sql: Sql, caplog: pytest.LogCaptureFixture
) -> None:
    production = database.model_copy(update={"environment": "production", "smtp_url": None})
    assert transport_for(production) is None
    caplog.set_level(logging.INFO, logger="atlas.outbox")
    secret = f"https://atlas.test/reset-password?token={secrets.token_hex(8)}"
    message = queue(sql, secret)

    async def serve_a_while() -> None:
        pool = await asyncpg.create_pool(database.runtime_url(), min_size=1, max_size=2)
        try:
            async with run_outbox_sender(pool, production):
                await asyncio.sleep(0.3)
        finally:
            await pool.close()

    asyncio.run(serve_a_while())
    assert row(sql, message["id"])["sent_at"] is None
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "emails wait in the outbox" in logged
    assert secret not in logged


def test_concurrent_senders_deliver_each_message_once(database: Settings, sql: Sql) -> None:
    messages = [queue(sql, f"message {n}") for n in range(12)]
    addresses = {m["to_email"] for m in messages}

    async def two_senders(sender: OutboxSender) -> None:
        other = OutboxSender(sender.pool, sender.transport, policy=POLICY, batch_size=2)
        await asyncio.gather(drain(sender), drain(other))

    with FakeSmtp() as smtp:
        with_sender(database, SmtpTransport(smtp.url(), MAIL_FROM), two_senders, batch_size=2)
    delivered = [r.rcpt_to[0] for r in smtp.received if r.rcpt_to[0] in addresses]
    assert sorted(delivered) == sorted(addresses)


def test_the_background_task_sends_and_stops(database: Settings, sql: Sql) -> None:
    message = queue(sql)

    async def in_background(sender: OutboxSender) -> None:
        async with sender.running():
            for _ in range(600):  # the sender polls every 0.05 s; give up after 30 s
                if row(sql, message["id"])["sent_at"] is not None:
                    break
                await asyncio.sleep(0.05)

    with_sender(database, LogTransport(), in_background, poll_seconds=0.05)
    assert row(sql, message["id"])["sent_at"] is not None


def test_an_emailed_invoice_arrives_with_its_pdf_attached(
    database: Settings, factory: Factory, sql: Sql
) -> None:
    owner = factory.user()
    ws = factory.workspace(owner)
    email = f"ap-{secrets.token_hex(4)}@example.com"
    customer = new_customer(owner, ws, email=email)
    invoice = issue(owner, ws, new_invoice(owner, ws, customer))
    sent = owner.post(f"/api/v1/invoices/{invoice['id']}/send", ws=ws, json={})
    assert sent.status_code == 201, sent.text
    (queued,) = sql.owner("SELECT * FROM outbox_messages WHERE to_email = %s", email)

    with FakeSmtp() as smtp:
        send_all(database, SmtpTransport(smtp.url(), MAIL_FROM))
    (received,) = [r.message for r in smtp.received if r.rcpt_to == [email]]
    assert received.get_content_type() == "multipart/mixed"
    text_part, pdf_part = received.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert f"Please find attached invoice {invoice['number']}" in text_part.get_content()
    assert pdf_part.get_content_type() == "application/pdf"
    assert pdf_part.get_filename() == f"{invoice['number']}.pdf"
    assert pdf_part.get_content() == bytes(queued["attachment_content"])
    assert row(sql, queued["id"])["sent_at"] is not None


def test_the_log_names_an_attachment_without_its_bytes(
    database: Settings, sql: Sql, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="atlas.outbox")
    message = queue(sql)
    sql.owner(
        """UPDATE outbox_messages SET attachment_filename = 'INV-1.pdf',
                  attachment_content_type = 'application/pdf', attachment_content = %s
            WHERE id = %s""",
        b"%PDF-1.7 secret bytes",
        message["id"],
    )
    send_all(database, LogTransport())
    (line,) = [r.getMessage() for r in caplog.records if str(message["id"]) in r.getMessage()]
    assert "[attached: INV-1.pdf, application/pdf, 21 bytes]" in line
    assert "secret bytes" not in line
