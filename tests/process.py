"""Running `atlas-erp` as a real process in tests, or the app on a server in a thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from atlas.config import Settings
from atlas.db.embedded import free_port

CLI = [sys.executable, "-m", "atlas"]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(
        ATLAS_DATABASE_URL=settings.owner_url(),
        ATLAS_APP_DATABASE_URL=settings.runtime_url(),
        ATLAS_SECRET_KEY="cli-test-key-cli-test-key-cli-test-key",
        **extra,
    )
    return env


@contextmanager
def serving(
    args: list[str], env: dict[str, str], output: Path
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`atlas-erp serve ARGS` on a free port, its output (logs included) going to `output`
    (a file: a pipe nobody reads would fill and stall the server); yields its base URL
    once /readyz answers 200."""
    port = free_port()
    log = output.open("w")
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}: {output.read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not become ready")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
        log.close()


@contextmanager
def serve_app(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 (on `port`, else a free one) in a thread of this
    process; yields its URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port or free_port(),
        log_level="warning",
        lifespan="on",
        proxy_headers=False,  # as `atlas-erp serve`: only ATLAS_TRUSTED_PROXIES counts
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
