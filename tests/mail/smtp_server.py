"""A tiny SMTP server in a thread of the test process: enough of RFC 5321 for smtplib."""

from __future__ import annotations

import base64
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from io import BufferedIOBase
from types import TracebackType


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    message: EmailMessage


@dataclass
class FakeSmtp:
    """`mode` "ok" accepts mail; "close" hangs up on connect; "reject" answers 550 to RCPT."""

    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer.converse(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, userinfo: str = "") -> str:
        return f"smtp://{userinfo}127.0.0.1:{self.port}"

    def converse(self, reader: BufferedIOBase, writer: BufferedIOBase) -> None:
        """One SMTP session on an accepted connection."""
        if self.mode == "close":
            return

        def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        reply("220 fake ESMTP ready")
        sender, recipients = "", list[str]()
        while line := reader.readline():
            verb, _, arg = line.decode().rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                reply("250-fake")
                reply("250-AUTH PLAIN")
                reply("250 8BITMIME")
            elif verb == "HELO" or verb in ("RSET", "NOOP"):
                reply("250 OK")
            elif verb == "AUTH":
                _, _, encoded = arg.partition(" ")
                _, user, password = base64.b64decode(encoded).decode().split("\0")
                self.logins.append((user, password))
                reply("235 authenticated")
            elif verb == "MAIL":
                sender, recipients = arg.partition(":")[2].strip("<>"), []
                reply("250 OK")
            elif verb == "RCPT":
                if self.mode == "reject":
                    reply("550 no such mailbox")
                    continue
                recipients.append(arg.partition(":")[2].strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 end with .")
                data = b""
                while (chunk := reader.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                parsed = message_from_bytes(data, policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                self.received.append(Received(sender, recipients, parsed))
                reply("250 queued")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """An smtp:// URL on which nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"smtp://127.0.0.1:{port}"
