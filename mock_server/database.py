"""Open the mock's database (`--db`): SQLite by default, PostgreSQL through psycopg 3, schema checked.

SQLite is one file in WAL mode with a busy timeout, so the worker processes of one host share it.
PostgreSQL (`postgresql://...`, the `postgres` extra) lets several independent hosts share one state.
The tables are created on first start together with a schema version (`schema.SCHEMA_VERSION`); a
database of another version is refused with `SchemaMismatch` (exit 2), never migrated.

Every error opening the database is a `StoreError` of one line: the URL with its password hidden and
the first line of the driver's reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.sql import ClauseElement

from mock_server.errors import SchemaMismatch, StoreError
from mock_server.schema import SCHEMA_VERSION, SCHEMA_VERSION_KEY, meta_table, metadata

MEMORY = ":memory:"
# Seconds a writer waits for SQLite's lock held by another worker before giving up.
SQLITE_BUSY_TIMEOUT = 30
# Arbitrary numbers that name his-mock's PostgreSQL advisory locks.
_SCHEMA_LOCK = 0x4815_1623
REGISTRATIONS_LOCK = 0x4815_1624


def database_url(db: str) -> tuple[str, Path | None]:
    """The SQLAlchemy URL for `--db`, and a temporary folder to delete at exit for `:memory:`.

    `:memory:` becomes a throwaway SQLite file rather than a true in-memory database: every thread
    and every worker process must see the same data, and a real file gives SQLite's own locking.
    `postgresql://` means psycopg 3 (SQLAlchemy would pick psycopg2 otherwise).
    """
    if db in (MEMORY, f"sqlite:///{MEMORY}", "sqlite://", "sqlite:///"):
        folder = Path(tempfile.mkdtemp(prefix="his-mock-"))
        return f"sqlite:///{folder / 'his-mock.db'}", folder
    if "://" in db:
        try:
            url = make_url(db)
        except (ArgumentError, ValueError) as exc:
            raise StoreError(f"--db {db!r} is not a database URL: {exc}") from exc
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False), None
    return f"sqlite:///{Path(db).expanduser().resolve()}", None


class Database:
    """The engines of one database, its schema checked; shared by the store, the faults and the journal."""

    def __init__(self, url: str, *, temporary_folder: Path | None = None) -> None:
        self.url = url
        self._temporary_folder = temporary_folder
        self._owner_pid = os.getpid()
        self._sqlite: SqliteConnections | None = None
        try:
            self.engine: Engine = _make_engine(url)
            # PostgreSQL: the per-request statements (`statement`) run on connections in autocommit,
            # one round trip each instead of a statement and a COMMIT. The journal's commits need not
            # wait for the disk either: losing the last calls in a crash is fine, slowing every HIS
            # call down is not. Settlements and fault takes stay in synchronous transactions.
            self.fast_engine: Engine = _make_engine(url, autocommit=True) if self.is_postgres else self.engine
            self.journal_engine: Engine = (
                _make_engine(url, autocommit=True, journal=True) if self.is_postgres else self.engine
            )
            _bootstrap(self.engine, display=self.display_url)
            database = self.engine.url.database
            self._sqlite = None if self.is_postgres or not database else SqliteConnections(database)
        except StoreError:
            self._discard()
            raise
        except (SQLAlchemyError, ImportError, OSError) as exc:
            self._discard()
            raise StoreError(f"cannot open the database --db {_redact_url(url)}: {_reason(exc)}") from exc

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def display_url(self) -> str:
        """The URL without a password, or 'a temporary database' for `:memory:`."""
        if self._temporary_folder is not None:
            return "a temporary database (--db :memory:)"
        return _redact_url(self.url)

    def statement(self, statement: ClauseElement, *, journal: bool = False) -> RawStatement:
        """A per-request statement (`RawStatement`): this thread's SQLite connection, or a pooled
        PostgreSQL connection of the fast engine (the journal's, for the journal)."""
        if self._sqlite is not None:
            return SqliteStatement(self._sqlite, statement)
        return PooledStatement(self.journal_engine if journal else self.fast_engine, statement)

    def _engines(self) -> list[Engine]:
        found = (getattr(self, name, None) for name in ("engine", "fast_engine", "journal_engine"))
        return list({id(engine): engine for engine in found if engine is not None}.values())

    def after_fork(self) -> None:
        """Called in a forked worker process: never share the parent's open connections."""
        for engine in self._engines():
            engine.dispose(close=False)

    def close(self) -> None:
        """Close the connections; remove the temporary database of `:memory:` (in the owner process only)."""
        if os.getpid() != self._owner_pid:
            return
        self._discard()

    def _discard(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        for engine in self._engines():
            engine.dispose()
        if self._temporary_folder is not None:
            shutil.rmtree(self._temporary_folder, ignore_errors=True)


class RawStatement:
    """A per-request statement: compiled once by SQLAlchemy for the database's dialect, with named
    parameters (a dict goes to the driver as it is), run straight on a DBAPI connection.

    Going around SQLAlchemy's Connection and result machinery makes them several times cheaper,
    while the SQL stays generated by SQLAlchemy for either database.
    """

    def __init__(self, sql: str, fixed: Mapping[str, Any]) -> None:
        self.sql = sql
        # Values fixed in the statement itself (a LIMIT's number): sent with every execution.
        self._fixed = dict(fixed)

    @classmethod
    def compile(cls, statement: ClauseElement, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        compiled = statement.compile(dialect=dialect)
        fixed = {name: value for name, value in compiled.params.items() if value is not None}
        return str(compiled), fixed

    def _values(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._fixed, **params} if self._fixed else params

    def first(self, **params: Any) -> tuple[Any, ...] | None:
        """The first row (read-only statements); each statement is its own transaction, so the
        next one sees what any process committed meanwhile."""
        rows = self.execute(**params)
        return rows[0] if rows else None

    def execute(self, **params: Any) -> list[tuple[Any, ...]]:
        """Run and commit; the rows of a RETURNING clause, if the statement has one."""
        raise NotImplementedError


class PooledStatement(RawStatement):
    """PostgreSQL: a statement on a pooled raw connection of an autocommit engine (one round trip;
    psycopg prepares a statement on the server once a connection has run it a few times)."""

    def __init__(self, engine: Engine, statement: ClauseElement) -> None:
        super().__init__(*self.compile(statement, engine.dialect))
        self._engine = engine
        # psycopg takes a dict (`pyformat`); a driver with positional parameters gets them in order.
        compiled = statement.compile(dialect=engine.dialect)
        positions = getattr(compiled, "positiontup", None)
        self._order: list[str] | None = (
            list(positions) if engine.dialect.paramstyle not in ("named", "pyformat") and positions else None
        )

    def _values(self, params: dict[str, Any]) -> Any:
        values = super()._values(params)
        return values if self._order is None else tuple(values[name] for name in self._order)

    def execute(self, **params: Any) -> list[tuple[Any, ...]]:
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, self._values(params))
                return list(cursor.fetchall()) if cursor.description else []
            finally:
                cursor.close()
        except Exception:
            # A broken connection (server restarted, killed peer holding a lock) must not go back to the pool.
            connection.invalidate()
            raise
        finally:
            connection.close()


class SqliteStatement(RawStatement):
    """SQLite: a statement on this thread's own connection of `SqliteConnections` (autocommit)."""

    # SQLite's own `:name` parameters, so the row's dict goes to sqlite3 as it is.
    _DIALECT = sqlite_dialect.dialect(paramstyle="named")

    def __init__(self, connections: SqliteConnections, statement: ClauseElement) -> None:
        super().__init__(*self.compile(statement, self._DIALECT))
        self._connections = connections

    def execute(self, **params: Any) -> list[tuple[Any, ...]]:
        return self._connections.run(self.sql, self._values(params))


# How long a per-request statement pauses, attempt after attempt, while another process holds
# SQLite's write lock (then 1 ms each until `SQLITE_BUSY_TIMEOUT`). SQLite's own busy handler
# sleeps 1 ms at the first conflict, on the thread that serves every connection of the worker,
# for a lock that the other worker's journal insert holds for some 20 microseconds.
_BUSY_PAUSES = (0.0, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005)
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteConnections:
    """One sqlite3 connection per thread for the per-request statements, in autocommit mode.

    Each statement is its own transaction: a kept connection holds no lock and no snapshot between
    calls, a write takes SQLite's write lock only while it runs, and no BEGIN or COMMIT is sent. A
    pool checkout and check-in would cost more than the statement itself, three times per HIS call.
    Contention is waited out here (`_BUSY_PAUSES`) rather than by SQLite's coarse busy handler.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[sqlite3.Connection] = []
        self._checkpointer: Checkpointer | None = None

    def run(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        attempt = 0
        deadline: float | None = None
        while True:
            connection = self._connection()
            try:
                return connection.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) not in _BUSY_CODES:
                    self._discard(connection)
                    raise
                now = time.monotonic()
                deadline = deadline or now + SQLITE_BUSY_TIMEOUT
                if now >= deadline:
                    raise
                time.sleep(_BUSY_PAUSES[attempt] if attempt < len(_BUSY_PAUSES) else 0.001)
                attempt += 1
            except Exception:
                self._discard(connection)
                raise

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        connection: sqlite3.Connection | None = getattr(local, "connection", None)
        if connection is not None and local.pid == process_id():
            return connection
        # A connection inherited through fork() belongs to the parent: left alone, never used.
        connection = sqlite3.connect(self._path, isolation_level=None, timeout=0, check_same_thread=False)
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA wal_autocheckpoint=0")  # the `Checkpointer` does it, off this thread
        local.connection, local.pid = connection, process_id()
        with self._lock:
            self._open.append(connection)
            if self._checkpointer is None or not self._checkpointer.alive():
                self._checkpointer = Checkpointer(self._path)
        return connection

    def _discard(self, connection: sqlite3.Connection) -> None:
        self._local.connection = None
        with self._lock, contextlib.suppress(ValueError):
            self._open.remove(connection)
        with contextlib.suppress(sqlite3.Error):
            connection.close()

    def close(self) -> None:
        """Close every thread's connection (a thread that runs another statement opens a new one)."""
        with self._lock:
            connections, self._open = self._open, []
            checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        for connection in connections:
            with contextlib.suppress(sqlite3.Error):
                connection.close()


# How often the `Checkpointer` copies the write-ahead log into the database file.
CHECKPOINT_INTERVAL_S = 0.2


class Checkpointer:
    """A thread of this process that checkpoints SQLite's write-ahead log every `CHECKPOINT_INTERVAL_S`.

    SQLite checkpoints on the committing connection once the log holds 1,000 pages: with a journal
    row per HIS call, every few hundred calls one of them paid for copying pages and an fsync (a few
    milliseconds, longer on a busy disk) on the thread that serves the worker's every connection.
    The per-request and the engine's connections switch that off; this thread does it instead
    (PASSIVE: it never waits for, nor blocks, a reader or the writer). Each worker runs one.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._pid = process_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="his-mock-checkpoint", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._pid == process_id() and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._pid == process_id() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=0, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(CHECKPOINT_INTERVAL_S):
                with contextlib.suppress(sqlite3.Error):  # busy, or the file is gone: next time
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()


_PROCESS_ID = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PROCESS_ID.__setitem__(0, os.getpid()))


def process_id() -> int:
    """`os.getpid()` without a system call per request (kept right across fork())."""
    return _PROCESS_ID[0]


def serialize(conn: Connection, key: int) -> None:
    """Within `conn`'s transaction, wait for every other transaction holding `key` (PostgreSQL's
    advisory lock; SQLite serialises writers by itself). For writes that read what they replace."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _bootstrap(engine: Engine, *, display: str) -> None:
    """Create the tables and the schema version on first start, or check the version that is there.

    Workers and hosts starting at once take turns: SQLite's write lock, PostgreSQL's advisory lock.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # Python's sqlite3 runs DDL outside a transaction: take the write lock first, so no
            # worker sees the tables before the version row that belongs to them.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        serialize(conn, _SCHEMA_LOCK)
        found = _stored_version(conn)
        if found is None:
            metadata.create_all(conn)
            conn.execute(insert(meta_table), {"key": SCHEMA_VERSION_KEY, "value": str(SCHEMA_VERSION)})
            return
    if found != str(SCHEMA_VERSION):
        raise SchemaMismatch(
            f"the database --db {display} holds his-mock schema version {found}, this his-mock uses"
            f" version {SCHEMA_VERSION}; point --db at a new database (nothing was changed)"
        )


def _stored_version(conn: Connection) -> str | None:
    """The schema version in the database; None for an empty database; "1" for the unversioned schema."""
    tables = set(inspect(conn).get_table_names())
    if meta_table.name not in tables:
        return None if not tables & set(metadata.tables) else "1 (no version recorded)"
    value = conn.execute(select(meta_table.c.value).where(meta_table.c.key == SCHEMA_VERSION_KEY)).scalar()
    return "1 (no version recorded)" if value is None else str(value)


def _make_engine(url: str, *, autocommit: bool = False, journal: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args: dict[str, Any] = {}
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = 10
            if journal:
                connect_args["options"] = "-c synchronous_commit=off"
        if autocommit:
            options["isolation_level"] = "AUTOCOMMIT"
        return create_engine(url, pool_size=4, max_overflow=16, connect_args=connect_args, **options)
    database = parsed.database
    if database:
        _make_folder(Path(database).parent)
    # Several worker processes share the file: wait for a lock rather than failing at once.
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False}, pool_size=16
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers (every bill fetch) run while one writer settles; NORMAL keeps commits cheap.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
        # Checkpoints are the `Checkpointer`'s; closing the last connection to the file still does one.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    return engine


def _make_folder(folder: Path) -> None:
    """The SQLite file's folder, created when missing; a `StoreError` that names the folder otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror
        raise StoreError(f"cannot create the folder {folder} for the SQLite database --db: {reason}") from exc


def _reason(exc: BaseException) -> str:
    """Why the database cannot be used, in one line: the driver to install, or the error's first line
    (SQLAlchemy appends the SQL and a "Background on this error at" link on lines of their own)."""
    if isinstance(exc, ImportError):
        name = exc.name or "the driver"
        extra = " (or: pip install 'his-contract-kit[postgres]')" if name.startswith("psycopg") else ""
        return f"its driver is not installed ({exc}); install a driver: pip install {name}{extra}"
    original = getattr(exc, "orig", None) or exc
    message = str(original).strip()
    first_line = message.splitlines()[0] if message else ""
    return f"{original.__class__.__name__}: {first_line}"


def _redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
