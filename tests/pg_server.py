"""A throw-away PostgreSQL server for tests and benchmarks.

`PostgresServer` initdb's a cluster in a temp dir, starts it on 127.0.0.1 with a free port and
stops/removes it at the end. PostgreSQL refuses to run as root, so when we are root the server
runs as the `postgres` system user (created if missing) via `runuser` (or `su`).
If env `TEST_DATABASE_URL` is set, that server is used instead of starting one.

Binaries are looked up in $PG_BINDIR if set, else under /usr/lib/postgresql/*/bin (Debian/Ubuntu
layout; newest version wins), then on PATH. If none are found, `PostgresUnavailable` explains how to fix it: PostgreSQL
tests must fail loudly rather than be skipped.

Usage::

    with PostgresServer() as server:
        url = server.create_database("t1")   # postgresql+psycopg://…/t1
        ...
        server.drop_database("t1")
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url

RUN_AS = "postgres"
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries and no TEST_DATABASE_URL."""


def find_bindir() -> Path:
    """Directory holding initdb and pg_ctl (env PG_BINDIR overrides the search)."""
    override = os.environ.get("PG_BINDIR")
    if override:
        if (Path(override) / "initdb").exists() and (Path(override) / "pg_ctl").exists():
            return Path(override)
        raise PostgresUnavailable(f"PG_BINDIR={override} does not contain initdb and pg_ctl.")
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). "
        "Install them (e.g. `apt-get install -y postgresql`) or set TEST_DATABASE_URL to a server "
        "whose user may CREATE DATABASE. PostgreSQL tests are required and are not skipped."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], capture_output=True
    )
    if made.returncode == 9:  # "already exists": another test worker added it at the same moment
        return pwd.getpwnam(name)
    made.check_returncode()
    return pwd.getpwnam(name)


class PostgresServer:
    """One temporary cluster (or the external TEST_DATABASE_URL server)."""

    def __init__(self, external_url: str | None = None) -> None:
        self.external_url = external_url if external_url is not None else os.environ.get("TEST_DATABASE_URL")
        self._tmp: Path | None = None
        self._bindir: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self.port: int | None = None
        self.admin_url: URL | None = None

    # ------------------------------------------------------------------ start / stop
    def start(self) -> PostgresServer:
        if self.external_url:
            url = make_url(self.external_url)
            if url.drivername in ("postgresql", "postgres"):
                url = url.set(drivername="postgresql+psycopg")
            self.admin_url = url
            return self
        self._bindir = find_bindir()
        self._tmp = Path(tempfile.mkdtemp(prefix="pgtest-"))
        if os.geteuid() == 0:
            self._user = _ensure_system_user(RUN_AS)
            os.chown(self._tmp, self._user.pw_uid, self._user.pw_gid)
        data, sock, logfile = self._tmp / "data", self._tmp / "sock", self._tmp / "server.log"
        self._run(["mkdir", "-p", str(sock)])
        self._run(
            [
                str(self._bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        last_error = ""
        for _attempt in range(5):  # a free port can be taken between probing and binding
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {sock} -F -c max_connections=200 -c fsync=off"
            result = self._run(
                [
                    str(self._bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(logfile),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                check=False,
            )
            if result.returncode == 0:
                break
            last_error = result.stdout + result.stderr + self._read_log(logfile)
        else:
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")
        self.admin_url = URL.create(
            "postgresql+psycopg", username="postgres", host="127.0.0.1", port=self.port, database="postgres"
        )
        return self

    def stop(self) -> None:
        if self._tmp is None:
            return
        data = self._tmp / "data"
        if self._bindir is not None and (data / "postmaster.pid").exists():
            self._run(
                [str(self._bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], check=False
            )
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ databases
    def url_for(self, name: str) -> str:
        assert self.admin_url is not None, "server not started"
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """Create a database (empty, or a copy of `template`) and return its SQLAlchemy URL.

        A template must have no open connections while it is copied (PostgreSQL refuses otherwise).
        """
        for checked in (name, template):
            if not _NAME_RE.match(checked):
                raise ValueError(f"bad database name {checked!r}")
        self._admin_sql(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE \"{template}\"")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        if not _NAME_RE.match(name):
            raise ValueError(f"bad database name {name!r}")
        self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def temporary_database(self, prefix: str, *, template: str = "template0") -> Iterator[str]:
        """The URL of a fresh database `<prefix>_<random>` (a copy of `template`), dropped afterwards."""
        name = f"{prefix}_{uuid.uuid4().hex[:16]}"
        url = self.create_database(name, template=template)
        try:
            yield url
        finally:
            self.drop_database(name)

    def _admin_sql(self, sql: str) -> None:
        import psycopg

        assert self.admin_url is not None, "server not started"
        url = self.admin_url
        with psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
            autocommit=True,
            connect_timeout=30,
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ helpers
    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self._user is not None:
            if shutil.which("runuser"):
                argv = ["runuser", "-u", self._user.pw_name, "--", *argv]
            else:
                argv = ["su", "-s", "/bin/sh", self._user.pw_name, "-c", shlex.join(argv)]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=self._tmp, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    @staticmethod
    def _read_log(path: Path) -> str:
        with contextlib.suppress(OSError):
            return path.read_text(errors="replace")[-4000:]
        return ""


@contextlib.contextmanager
def postgres_url(database: str = "helpdesk_test") -> Iterator[str]:
    """Shortcut: a server with one fresh database, torn down afterwards."""
    with PostgresServer() as server:
        url = server.create_database(database)
        try:
            yield url
        finally:
            with contextlib.suppress(Exception):
                server.drop_database(database)


def wait_until_accepting(url: str, timeout: float = 30.0) -> None:
    """Block until `url` accepts connections (for externally started servers)."""
    import psycopg

    parsed = make_url(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(
                host=parsed.host,
                port=parsed.port,
                user=parsed.username,
                password=parsed.password,
                dbname=parsed.database,
                connect_timeout=5,
            ):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
