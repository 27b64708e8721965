"""How a message leaves: by SMTP (smtplib in a thread) or, without SMTP, into the log."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol
from urllib.parse import unquote, urlsplit

from atlas.mail.repository import OutboxMessage

log = logging.getLogger("atlas.outbox")


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


class Transport(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """The MIME message; its Message-ID is the outbox id, the same on every retry. With an
    attachment it is multipart/mixed: the text, then the file."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "atlas.invalid"
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = f"<{message.id}@{domain}>"
    email.set_content(message.body)
    if message.attachment is not None:
        maintype, _, subtype = message.attachment.content_type.partition("/")
        email.add_attachment(
            message.attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=message.attachment.filename,
        )
    return email


class LogTransport:
    """Without SMTP the log line is the delivery: it carries the whole message, links
    and their tokens included (for development and single-user installs); of an
    attachment, its name and size."""

    async def send(self, message: OutboxMessage) -> None:
        attached = message.attachment
        log.info(
            "email %s delivered to the log (no SMTP configured), workspace %s, to %s: %s\n%s%s",
            message.id,
            message.workspace_id or "-",
            message.to_email,
            message.subject,
            message.body,
            ""
            if attached is None
            else f"\n[attached: {attached.filename}, "
            f"{attached.content_type}, {len(attached.content)} bytes]",
        )


class SmtpTransport:
    """smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or
    smtps://… (TLS from the start); every network step is bounded by `timeout`."""

    def __init__(self, url: str, mail_from: str, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL must look like smtp://host:port or smtps://host:port")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.mail_from = mail_from
        self.timeout = timeout

    async def send(self, message: OutboxMessage) -> None:
        email = build_email(message, self.mail_from)
        try:
            await asyncio.to_thread(self._send, email)
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise

    def _send(self, email: EmailMessage) -> None:
        context = ssl.create_default_context()
        client = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            if self.tls
            else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        )
        with client:
            client.ehlo()
            if not self.tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if self.user is not None:
                client.login(self.user, self.password)
            client.send_message(email)
