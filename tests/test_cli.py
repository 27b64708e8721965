"""The `atlas-erp` command as a real process: migrations status, serving, refusals, logs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from atlas.config import Settings
from atlas.db.embedded import FALLBACK_ROOT, EmbeddedPostgres, free_port
from atlas.demo import DEMO_PASSWORD, DEMO_USERS
from tests.factories import PASSWORD, Factory
from tests.process import CLI, cli_env, serving


@pytest.fixture
def served(database: Settings, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    output = tmp_path / "server.log"
    env = cli_env(database, ATLAS_LOG_FORMAT="json")
    with serving(["--no-migrate"], env, output) as (base, proc):
        yield base, proc, output


def test_db_status_says_up_to_date(database: Settings) -> None:
    done = subprocess.run(
        [*CLI, "db", "status"], env=cli_env(database), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def emailed_link_token(output: Path, email: str) -> str:
    """The verification token of the email to `email` in the server's JSON log, once the
    outbox sender has delivered it there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in output.read_text().splitlines():
            entry = json.loads(line) if line.startswith("{") else {}
            found = re.search(
                rf"to {re.escape(email)}: .*/verify-email\?token=([\w-]+)",
                entry.get("message", ""),
                re.S,
            )
            if found:
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no verification email to {email} in the log")


def test_serve_logs_json_lines_with_request_user_and_workspace_ids(
    served: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, proc, output = served
    email = f"cli-{time.time_ns()}@example.com"
    signup = httpx.post(
        f"{base}/api/v1/auth/sign-up", json={"email": email, "password": PASSWORD, "name": "Cli"}
    )
    assert signup.status_code == 202
    # Without SMTP, in development, the email (and its link) is delivered to the log.
    token = emailed_link_token(output, email)
    verified = httpx.post(f"{base}/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    user_id = verified.json()["user"]["id"]
    me = httpx.get(
        f"{base}/api/v1/auth/session",
        headers={
            "Authorization": f"Bearer {verified.json()['token']}",
            "X-Request-Id": "cli0test0id1",
        },
    )
    assert me.status_code == 200
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    lines = output.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    access = [e for e in entries if e.get("client_request_id") == "cli0test0id1"]
    assert len(access) == 1
    assert access[0]["request_id"] == me.headers["x-request-id"] != "cli0test0id1"
    assert access[0]["user_id"] == user_id
    assert access[0]["status"] == 200
    assert access[0]["path"] == "/api/v1/auth/session"
    assert {"workspace_id", "time", "level", "duration_ms"} <= set(access[0])


def test_serve_takes_the_client_address_from_the_peer_not_from_headers(
    served: tuple[str, subprocess.Popen[str], Path], factory: Factory
) -> None:
    base = served[0]
    user = factory.user()
    resp = httpx.post(
        f"{base}/api/v1/auth/sign-in",
        json={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.60", "Forwarded": "for=203.0.113.61"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["session"]["ip_address"] == "127.0.0.1"


def test_serve_refuses_to_run_as_the_owner_role(database: Settings) -> None:
    env = cli_env(database)
    env["ATLAS_APP_DATABASE_URL"] = database.owner_url()
    done = subprocess.run(
        [*CLI, "serve", "--no-migrate", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "refusing to serve as database role 'atlas_owner'" in done.stderr


@pytest.fixture
def embedded_data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    yield data
    home = EmbeddedPostgres(data / "postgres", 0).pgdata.parent
    if home.is_relative_to(FALLBACK_ROOT):  # root, and tmp_path was out of the server's reach
        shutil.rmtree(home, ignore_errors=True)


def test_serve_without_a_database_url_runs_on_the_embedded_servers_socket(
    embedded_data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(ATLAS_DATA_DIR=str(embedded_data_dir), ATLAS_EMBEDDED_PORT=str(port))
    with serving(["--demo"], env, tmp_path / "server.log") as (base, _):
        signed_in = httpx.post(
            f"{base}/api/v1/auth/sign-in",
            json={"email": DEMO_USERS[0].email, "password": DEMO_PASSWORD},
        )
        assert signed_in.status_code == 200, signed_in.text
        mine = httpx.get(
            f"{base}/api/v1/workspaces",
            headers={"Authorization": f"Bearer {signed_in.json()['token']}"},
        )
        assert [w["name"] for w in mine.json()["items"]] == ["Acme Corp"]
        with pytest.raises(ConnectionRefusedError):  # the database has no TCP port
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_without_a_database_url_the_embedded_server_is_used(embedded_data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(ATLAS_DATA_DIR=str(embedded_data_dir), ATLAS_EMBEDDED_PORT=str(free_port()))
    done = subprocess.run(
        [*CLI, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    # After the migrations, the books of older data (atlas.books_upgrade), counted.
    assert "books up to date: workspaces " in done.stdout
    status = subprocess.run(
        [*CLI, "db", "status"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert status.returncode == 0, status.stderr
    assert "up to date" in status.stdout
