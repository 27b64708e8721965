"""Logging with request, user and workspace ids; a request-id middleware; JSON lines.

Every record is one line in both formats, whatever its values hold: the text format
escapes line breaks and other control characters (`\\r`, `\\n`, `\\x1b`, …), JSON
escapes them by itself, so a name, an email or a path cannot forge a line of its own.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import secrets
import string
import sys
import time
import traceback
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "atlas_log_context", default=None
)
access_log = logging.getLogger("atlas.access")

_FIELDS = ("request_id", "user_id", "workspace_id")


def bind_log_context(**values: str) -> None:
    """Adds ids to the current request's log lines (for logs only, never for data access)."""
    current = _log_context.get()
    if current is not None:
        current.update(values)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _log_context.get() or {}
        for field in _FIELDS:
            setattr(record, field, context.get(field, "-"))
        return True


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe_exception(exc_info: ExcInfo) -> str:
    """One line for an exception: its class, message and where it was raised.

    Log lines never carry stack traces: the innermost frame of our own code (or, without
    one, the innermost frame) says where to look.
    """
    kind, error, trace = exc_info
    frames = traceback.extract_tb(trace) if trace else []
    ours = [f for f in frames if "/atlas/" in f.filename]
    message = str(error).splitlines()[0][:200] if str(error) else ""
    text = f"{kind.__name__}: {message}" if message else kind.__name__
    if frames:
        frame = (ours or frames)[-1]
        path = frame.filename
        short = path[path.rfind("/atlas/") + 1 :] if ours else path.rsplit("/", 1)[-1]
        text += f" (at {short}:{frame.lineno} in {frame.name})"
    return text


# C0 and C1 controls, DEL and the Unicode line separators: anything a terminal or a log
# reader might take as the end of a line (or use to redraw one) is written as an escape.
_ESCAPES: dict[int, str] = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))},
    **{ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"},
    **{code: f"\\u{code:04x}" for code in (0x2028, 0x2029)},
}


def one_line(text: str) -> str:
    """`text` with every character that could break or redraw a log line escaped."""
    return text.translate(_ESCAPES)


class OneLineFormatter(logging.Formatter):
    """The text format: one line per record, whatever its values hold; an exception is
    appended as one line, never as a stack trace."""

    def format(self, record: logging.LogRecord) -> str:
        exc_info = record.exc_info
        record.exc_info, record.exc_text = None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info = exc_info
        if exc_info and exc_info[1] is not None:
            line += f" | {describe_exception(exc_info)}"
        return one_line(line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _FIELDS:
            entry[field] = getattr(record, field, "-")
        for extra in ("method", "path", "status", "duration_ms", "client_request_id"):
            if hasattr(record, extra):
                entry[extra] = getattr(record, extra)
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = describe_exception(record.exc_info)
        # ensure_ascii (the default) escapes every control and non-ASCII character: one line.
        return json.dumps(entry, default=str)


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            OneLineFormatter(
                "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s "
                "ws=%(workspace_id)s] %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True


# A client's own request id: an HTTP token (RFC 9110 tchar) of at most 64 characters.
CLIENT_REQUEST_ID_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
CLIENT_REQUEST_ID_MAX = 64


def client_request_id(scope: Scope) -> str | None:
    """The client's X-Request-Id when it is a short token, else None (dropped)."""
    headers: dict[bytes, bytes] = dict(scope["headers"])
    sent = headers.get(b"x-request-id", b"").decode("latin-1")
    if 0 < len(sent) <= CLIENT_REQUEST_ID_MAX and CLIENT_REQUEST_ID_CHARS.issuperset(sent):
        return sent
    return None


class RequestContextMiddleware:
    """Gives every request an id of the server's (X-Request-Id; logs, the audit trail).

    A client's own X-Request-Id never becomes the request's id, which the audit trail
    records as ours: it is kept apart, as `client_request_id` in the access line and the
    X-Client-Request-Id response header, and only when it is a short token.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        client_id = client_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = _log_context.set({"request_id": request_id})
        started = time.perf_counter()
        status = 500
        ids = [(b"x-request-id", request_id.encode())]
        if client_id is not None:
            ids.append((b"x-client-request-id", client_id.encode()))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).extend(ids)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            extra: dict[str, Any] = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            if client_id is not None:
                extra["client_request_id"] = client_id
            access_log.info(
                "%s %s %d%s",
                scope["method"],
                scope["path"],
                status,
                f" client_request_id={client_id}" if client_id is not None else "",
                extra=extra,
            )
            _log_context.reset(token)


def log_loop_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Errors of background tasks nobody awaits (e.g. a pool reconnecting while the
    database is down) go to our log as one line, not to stderr as a stack trace."""
    log = logging.getLogger("atlas.loop")

    def handle(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        detail = (
            describe_exception((type(error), error, error.__traceback__))
            if isinstance(error, BaseException)
            else ""
        )
        log.warning("%s %s", context.get("message", "background error"), detail)

    loop.set_exception_handler(handle)
