"""A real PostgreSQL server for the tests: `initdb` into a temporary folder, a free port, stopped at the end.

Debian's server binaries (`initdb`, `pg_ctl`; the `postgresql` package, which `scripts/test` installs)
refuse to run as root, so as root the server runs as an unprivileged user (`PG_USER`, created when
missing). Each test gets a database of its own (`PostgresServer.new_database`).

When no server can be had, `PostgresUnavailable` says why: the fixture turns it into a test
failure in CI (`CI=true`) and a skip on a developer's machine without PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import HOST, free_port

PG_USER = "pgtest"
# Where Debian puts the server binaries when they are not on PATH.
_DEBIAN_BIN = "/usr/lib/postgresql/*/bin"
_START_TIMEOUT = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (binaries missing, no user to run them)."""


@dataclass(slots=True)
class PostgresServer:
    """A running test server: superuser `postgres`, trust authentication on 127.0.0.1."""

    port: int
    folder: Path
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def new_database(self, prefix: str = "t") -> str:
        """Create an empty database; its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def find_binary(name: str) -> str:
    """The path of a PostgreSQL server program, or `PostgresUnavailable`."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"{_DEBIAN_BIN}/{name}"), reverse=True):
        return candidate
    raise PostgresUnavailable(
        f"`{name}` is not installed: install Debian's postgresql package (scripts/test does, as root)"
    )


def _run_as() -> list[str]:
    """The argv prefix that runs a server program as a user it accepts (never root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        created = subprocess.run(["useradd", "--create-home", PG_USER], capture_output=True, text=True)
        # 9: another process created it meanwhile.
        if created.returncode not in (0, 9):
            raise PostgresUnavailable(
                f"PostgreSQL refuses to run as root and `useradd {PG_USER}` failed: {created.stderr.strip()}"
            ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("PostgreSQL refuses to run as root and `runuser` is missing")
    return [runuser, "-u", PG_USER, "--"]


@contextlib.contextmanager
def start_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """Run a fresh PostgreSQL server for the duration of the block.

    `durable=False` (tests) turns fsync off, which makes creating databases and commits fast;
    the benchmark asks for a durable server, as a real deployment runs.
    """
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    prefix = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="his-pg-"))
    data = folder / "data"
    if prefix:
        user = pwd.getpwnam(PG_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    port = free_port()
    try:
        _check(
            [*prefix, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"]
            + ([] if durable else ["--no-sync"]),
            "initdb",
        )
        options = f"-p {port} -k {folder} -c listen_addresses={HOST} -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _check(
            [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w"]
            + ["-t", str(_START_TIMEOUT), "start"],
            "pg_ctl start",
            log=folder / "server.log",
        )
        try:
            yield PostgresServer(port=port, folder=folder)
        finally:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(argv: list[str], what: str, *, log: Path | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
        raise PostgresUnavailable(
            f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            + (f"\nserver log:\n{server_log}" if server_log else "")
        )
