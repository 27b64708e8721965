"""The embedded PostgreSQL opens no TCP port: only its private Unix socket reaches it."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psycopg
import pytest

from atlas.db.embedded import FALLBACK_ROOT, SHORT_SOCKET_ROOT, EmbeddedPostgres, free_port


def server_user() -> str:
    """Who runs the server: a system user under root, else the current user."""
    return "atlas-pg" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A folder the server's user can reach (pytest's own tmp folder is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="atlas-embedded-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def started(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(data_dir, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if server.pgdata.is_relative_to(FALLBACK_ROOT):
            shutil.rmtree(server.pgdata.parent, ignore_errors=True)


@pytest.fixture
def embedded(reachable_dir: Path) -> Iterator[EmbeddedPostgres]:
    yield from started(reachable_dir / "pg")


def assert_private_socket(server: EmbeddedPostgres) -> None:
    info = os.lstat(server.socket_dir)
    assert stat.S_ISDIR(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert pwd.getpwuid(info.st_uid).pw_name == server_user()
    assert server.socket_path.is_socket()


async def _server_facts(url: str) -> tuple[str, str, object]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT current_user, current_setting('listen_addresses') AS listen,"
            " inet_server_addr() AS addr"
        )
        assert row is not None
        return row["current_user"], row["listen"], row["addr"]
    finally:
        await conn.close()


def test_no_tcp_connection_reaches_the_server(embedded: EmbeddedPostgres) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", embedded.port), timeout=5).close()
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(
            asyncpg.connect(host="127.0.0.1", port=embedded.port, user="postgres", timeout=5)
        )
    # Should someone make it listen, pg_hba.conf refuses every TCP connection anyway.
    rules = [
        line.split()
        for line in (embedded.pgdata / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert {rule[-1] for rule in rules if rule[0].startswith("host")} == {"reject"}
    assert {rule[-1] for rule in rules if rule[0] == "local"} == {"trust"}


def test_the_socket_folder_is_private_and_the_url_reaches_it(embedded: EmbeddedPostgres) -> None:
    assert embedded.socket_dir == embedded.pgdata.parent / "socket"
    assert_private_socket(embedded)
    url = embedded.superuser_url()
    assert "127.0.0.1" not in url
    assert asyncio.run(_server_facts(url)) == ("postgres", "", None)  # asyncpg, the app's
    with psycopg.connect(url) as conn:  # psycopg, Alembic's and the tests'
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


def test_a_deep_data_folder_gets_a_short_private_socket_folder(reachable_dir: Path) -> None:
    deep = reachable_dir / ("deep-folder-" * 8) / "pg"
    for server in started(deep):
        assert server.socket_dir.parent == SHORT_SOCKET_ROOT
        assert len(str(server.socket_path)) <= 107
        assert_private_socket(server)
        assert asyncio.run(_server_facts(server.superuser_url()))[0] == "postgres"
        short = server.socket_dir
    assert not short.exists()  # stopping removes it


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder of another user needs root")
def test_a_socket_folder_somebody_else_made_is_refused(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / ("deep-folder-" * 8) / "pg", free_port())
    squatted = server.socket_dir
    squatted.mkdir(mode=0o777)
    nobody = pwd.getpwnam("nobody")
    os.chown(squatted, nobody.pw_uid, nobody.pw_gid)
    try:
        with pytest.raises(RuntimeError, match="must be a folder owned by atlas-pg"):
            server.start()
        assert not server.is_running()
    finally:
        squatted.rmdir()
