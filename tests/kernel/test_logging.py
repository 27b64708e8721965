"""Log lines never carry stack traces, in either format, nor do background task errors."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from atlas.observability import configure_logging, log_loop_errors


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root handler that `configure_logging` installs, writing into a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def _log_a_failure() -> None:
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("atlas.test").exception("it failed")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_exception_is_one_line_naming_its_class_and_place(
    captured: io.StringIO, log_format: str
) -> None:
    configure_logging(log_format, "INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)
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
    configure_logging("text", "INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)

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
