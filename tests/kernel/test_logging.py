"""Log lines never carry stack traces, in either format, nor do background task errors; no
value can start a line of its own; the client's request id is logged apart from ours."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from atlas.observability import RequestContextMiddleware, configure_logging, log_loop_errors


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root handler that `configure_logging` installs, writing into a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def log_to(buffer: io.StringIO, log_format: str) -> None:
    """`configure_logging` as the server runs it, its handler writing into `buffer`."""
    configure_logging(log_format, "INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def _log_a_failure() -> None:
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("atlas.test").exception("it failed")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_exception_is_one_line_naming_its_class_and_place(
    captured: io.StringIO, log_format: str
) -> None:
    log_to(captured, log_format)
    _log_a_failure()
    output = captured.getvalue()
    assert output.count("\n") == 1, output
    assert "Traceback" not in output
    line = output.strip()
    described = json.loads(line)["exception"] if log_format == "json" else line
    assert "KeyError: 'missing'" in described
    assert "test_logging.py:" in described
    assert "in _log_a_failure" in described


def test_errors_of_unawaited_tasks_are_logged_as_one_line(captured: io.StringIO) -> None:
    log_to(captured, "text")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        log_loop_errors(loop)

        async def fails() -> None:
            raise ConnectionRefusedError("database down")

        task = loop.create_task(fails())
        await asyncio.sleep(0.01)
        assert task.done()
        loop.call_exception_handler(
            {"message": "Task exception was never retrieved", "exception": task.exception()}
        )

    asyncio.run(main())
    output = captured.getvalue()
    assert "Traceback" not in output
    assert output.count("\n") == 1, output
    assert "Task exception was never retrieved ConnectionRefusedError: database down" in output


FORGED = "\r\n2026-01-01 00:00:00,000 INFO atlas.access [req=x user=- ws=-] forged\x1b[2K\x85\u2028"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_value_with_line_breaks_cannot_start_a_log_line(
    captured: io.StringIO, log_format: str
) -> None:
    log_to(captured, log_format)
    logging.getLogger("atlas.test").info("queued email to %s", f"mallory@example.com{FORGED}")
    output = captured.getvalue()
    assert len(output.splitlines()) == 1, output
    assert output.endswith("\n")
    if log_format == "json":
        assert json.loads(output)["message"] == f"queued email to mallory@example.com{FORGED}"
    else:
        assert "mallory@example.com\\r\\n2026-01-01" in output
        assert "forged\\x1b[2K\\x85\\u2028" in output


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_path_with_line_breaks_is_one_access_line(
    captured: io.StringIO, client: httpx.Client, log_format: str
) -> None:
    log_to(captured, log_format)
    resp = client.get("/healthz%0D%0A2026-01-01%20INFO%20atlas.access%20forged")
    assert resp.status_code == 404
    request_id = resp.headers["x-request-id"]
    lines = [
        line
        for line in captured.getvalue().splitlines()
        if request_id in line or "atlas.access forged" in line
    ]
    assert len(lines) == 1, captured.getvalue()
    if log_format == "json":
        assert json.loads(lines[0])["path"] == "/healthz\r\n2026-01-01 INFO atlas.access forged"
    else:
        assert "/healthz\\r\\n2026-01-01 INFO atlas.access forged 404" in lines[0]


def served_once(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response headers of one request through RequestContextMiddleware."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": headers}
    asyncio.run(RequestContextMiddleware(app)(scope, receive, send))
    response_headers: list[tuple[bytes, bytes]] = sent[0]["headers"]
    return response_headers


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_access_line_names_the_client_request_id_apart(
    captured: io.StringIO, log_format: str
) -> None:
    log_to(captured, log_format)
    headers = dict(served_once([(b"x-request-id", b"client-42")]))
    assert headers[b"x-client-request-id"] == b"client-42"
    server_id = headers[b"x-request-id"].decode()
    assert server_id != "client-42"
    output = captured.getvalue()
    assert len(output.splitlines()) == 1, output
    if log_format == "json":
        entry = json.loads(output)
        assert (entry["request_id"], entry["client_request_id"]) == (server_id, "client-42")
    else:
        assert f"[req={server_id} " in output
        assert "client_request_id=client-42" in output


@pytest.mark.parametrize("client_id", [b"evil\r\nINFO forged", b"evil\nforged", b"nul\x00"])
def test_a_client_request_id_with_control_characters_is_dropped(
    captured: io.StringIO, client_id: bytes
) -> None:
    log_to(captured, "text")
    headers = dict(served_once([(b"x-request-id", client_id)]))
    assert b"x-client-request-id" not in headers
    assert len(headers[b"x-request-id"]) == 16
    output = captured.getvalue()
    assert len(output.splitlines()) == 1, output
    assert "evil" not in output
    assert "nul" not in output
