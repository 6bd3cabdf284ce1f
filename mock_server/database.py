"""Open the mock's database (`--db`): SQLite by default, PostgreSQL through psycopg 3, schema checked.

SQLite is one file in WAL mode with a busy timeout, so the worker processes of one host share it.
PostgreSQL (`postgresql://...`, the `postgres` extra) lets several independent hosts share one state.
The tables are created on first start together with a schema version (`schema.SCHEMA_VERSION`); a
database of another version is refused with `SchemaMismatch` (exit 2), never migrated.

Every error opening the database is a `StoreError` of one line: the URL with its password hidden and
the first line of the driver's reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import make_url
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
    if db in (MEMORY, f"sqlite:///{MEMORY}", "sqlite://"):
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
        """A per-request statement (`RawStatement`) on the fast engine, or the journal's."""
        engine = self.journal_engine if journal else self.fast_engine
        return RawStatement(engine, statement, autocommit=self.is_postgres)

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
        for engine in self._engines():
            engine.dispose()
        if self._temporary_folder is not None:
            shutil.rmtree(self._temporary_folder, ignore_errors=True)


class RawStatement:
    """A statement compiled once for the engine's dialect and run on a raw pooled DBAPI connection.

    For the per-request statements: going around SQLAlchemy's Connection and result machinery makes
    them about three times cheaper, while the SQL stays generated by SQLAlchemy for either database.
    """

    def __init__(self, engine: Engine, statement: ClauseElement, *, autocommit: bool = False) -> None:
        self._engine = engine
        self._autocommit = autocommit
        compiled = statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        # Values fixed in the statement itself (a LIMIT's number): sent with every execution.
        self._fixed: dict[str, Any] = {
            name: value for name, value in compiled.params.items() if value is not None
        }
        positions = getattr(compiled, "positiontup", None)  # SQLCompiler's, for positional styles
        self._order: Sequence[str] | None = (
            list(positions)
            if engine.dialect.paramstyle in ("qmark", "format", "numeric") and positions
            else None
        )

    def _params(self, params: Mapping[str, Any]) -> Any:
        values = {**self._fixed, **params}
        if self._order is None:
            return values
        return tuple(values[name] for name in self._order)

    def first(self, **params: Any) -> tuple[Any, ...] | None:
        """The first row (read-only statements); the transaction ends so the next read sees new data."""
        rows = self._run(params, fetch=True)
        return rows[0] if rows else None

    def execute(self, **params: Any) -> list[tuple[Any, ...]]:
        """Run and commit; the rows of a RETURNING clause, if the statement has one."""
        return self._run(params, fetch=True)

    def _run(self, params: Mapping[str, Any], *, fetch: bool) -> list[tuple[Any, ...]]:
        held = self._engine.dialect.name == "sqlite"
        connection = _held_connection(self._engine) if held else self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, self._params(params))
                rows = [tuple(row) for row in cursor.fetchall()] if fetch and cursor.description else []
            finally:
                cursor.close()
            if not self._autocommit:
                connection.commit()  # ends the (read) transaction: the next read must see new data
        except Exception:
            # A broken connection (server restarted, killed peer holding a lock) must not go back to the pool.
            if held:
                _HELD.connections.pop(_held_key(self._engine), None)
            connection.invalidate()
            raise
        finally:
            if not held:
                connection.close()
        return rows


# SQLite: each thread keeps the pooled connection its per-request statements ran on (every statement
# ends its transaction, so a kept connection holds no lock and no snapshot). A pool checkout and
# check-in cost more than the statement itself, three times per HIS call (issue 12's profile).
_HELD = threading.local()


def _held_key(engine: Engine) -> tuple[int, int]:
    return os.getpid(), id(engine)


def _held_connection(engine: Engine) -> Any:
    connections: dict[tuple[int, int], Any] | None = getattr(_HELD, "connections", None)
    if connections is None:
        connections = _HELD.connections = {}
    key = _held_key(engine)
    connection = connections.get(key)
    if connection is None:
        connection = connections[key] = engine.raw_connection()
    return connection


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
