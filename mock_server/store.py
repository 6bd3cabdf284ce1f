"""The mock's state in a real database (SQLAlchemy Core): registrations, their bills, settlements.

SQLite by default (a file, so a restart loses nothing); any SQLAlchemy URL works, e.g.
`postgresql://...`. One settlement per bill is enforced by the database (a unique constraint on
`settlements.bill_id`), not by a lock in one process, so concurrent SettleByDoctor calls from several
threads or worker processes create exactly one settlement.

Bill fetches (the hot path) are answered from a per-process cache, tagged with a generation counter in
memory shared by every worker (`shared.SharedCounter`, created before gunicorn forks). Every write
through this class bumps it after its commit, so the next fetch in any worker reads the database
again. The cache only holds what the database said; a restart loses nothing. It assumes this mock's
processes are the database's only writers (two separate his-mock instances on one file would not see
each other's writes until a restart).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from mock_server.errors import SettlementConflict, StoreError
from mock_server.fixtures import Registration
from mock_server.shared import SharedCounter

MEMORY = ":memory:"
_SECRET_KEY = "jwt_secret"
# How many RegNos one process remembers bill fetches of; a full cache starts over.
BILL_CACHE_SIZE = 4096

metadata = MetaData()

meta_table = Table(
    "his_mock_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

registrations_table = Table(
    "registrations",
    metadata,
    Column("reg_no", String(128), primary_key=True),
    Column("card_no", String(128), nullable=False),
    Column("bill_id", String(128), nullable=False, unique=True),
    # The registration in the fixtures format, and its bill as the exact JSON text the API serves.
    Column("document", Text, nullable=False),
    Column("bill", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

settlements_table = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The one guarantee that must hold across processes: a bill is settled at most once ...
    Column("bill_id", String(128), nullable=False, unique=True),
    # ... and one payment (WeChat transaction) settles at most one bill.
    Column("serial_number", String(256), nullable=False, unique=True),
    Column("reg_no", String(128), nullable=False),
    Column("check_out_no", String(64), nullable=False, unique=True),
    Column("receipt", Text, nullable=False),
    Column("request", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)


@dataclass(slots=True, frozen=True)
class BillState:
    """What GetUnSettleBillByDoctor and SettleByDoctor need to know about a registration, in one query."""

    card_no: str
    bill_id: str
    bill_json: str
    settled_serial: str | None
    settled_receipt: str | None


@dataclass(slots=True, frozen=True)
class SettleState:
    """A registration in the fixtures format and the settlement of its bill, if any."""

    document: dict[str, Any]
    settled_serial: str | None
    settled_receipt: str | None


@dataclass(slots=True, frozen=True)
class Settlement:
    """A recorded settlement."""

    bill_id: str
    serial_number: str
    reg_no: str
    check_out_no: str
    receipt_json: str
    created_at: str


def database_url(db: str) -> tuple[str, Path | None]:
    """The SQLAlchemy URL for `--db`, and a temporary folder to delete at exit for `:memory:`.

    `:memory:` becomes a throwaway SQLite file rather than a true in-memory database: every thread
    and every worker process must see the same data, and a real file gives SQLite's own locking.
    """
    if db in (MEMORY, f"sqlite:///{MEMORY}", "sqlite://"):
        folder = Path(tempfile.mkdtemp(prefix="his-mock-"))
        return f"sqlite:///{folder / 'his-mock.db'}", folder
    if "://" in db:
        try:
            make_url(db)
        except ArgumentError as exc:
            raise StoreError(f"--db {db!r} is not a database URL: {exc}") from exc
        return db, None
    return f"sqlite:///{Path(db).expanduser().resolve()}", None


class Store:
    """Registrations, bills and settlements, shared by every thread and worker through the database."""

    def __init__(self, url: str, *, temporary_folder: Path | None = None) -> None:
        self.url = url
        self._temporary_folder = temporary_folder
        # gunicorn forks workers from the process that opened the store; only that one cleans up.
        self._owner_pid = os.getpid()
        try:
            self.engine: Engine = _make_engine(url)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, ImportError) as exc:
            if temporary_folder is not None:
                shutil.rmtree(temporary_folder, ignore_errors=True)
            raise StoreError(f"cannot open the database --db {_redact_url(url)}: {_reason(exc)}") from exc
        self._generation = SharedCounter()
        self._bills: dict[str, tuple[int, BillState]] = {}
        self._bill_query = _ByRegNo(
            self.engine,
            select(
                registrations_table.c.card_no,
                registrations_table.c.bill_id,
                registrations_table.c.bill,
                settlements_table.c.serial_number,
                settlements_table.c.receipt,
            )
            .select_from(
                registrations_table.outerjoin(
                    settlements_table, settlements_table.c.bill_id == registrations_table.c.bill_id
                )
            )
            .where(registrations_table.c.reg_no == bindparam("reg_no")),
        )
        self._settle_query = _ByRegNo(
            self.engine,
            select(
                registrations_table.c.document, settlements_table.c.serial_number, settlements_table.c.receipt
            )
            .select_from(
                registrations_table.outerjoin(
                    settlements_table, settlements_table.c.bill_id == registrations_table.c.bill_id
                )
            )
            .where(registrations_table.c.reg_no == bindparam("reg_no")),
        )

    @property
    def display_url(self) -> str:
        """The URL without a password, or 'a temporary database' for `:memory:`."""
        if self._temporary_folder is not None:
            return "a temporary database (--db :memory:)"
        return _redact_url(self.url)

    def after_fork(self) -> None:
        """Called in a new worker process: never share the parent's open connections."""
        self.engine.dispose(close=False)

    def close(self) -> None:
        """Close the connections; remove the temporary database of `:memory:` (in the owner process only)."""
        if os.getpid() != self._owner_pid:
            return
        self.engine.dispose()
        if self._temporary_folder is not None:
            shutil.rmtree(self._temporary_folder, ignore_errors=True)

    # --- the hot path -------------------------------------------------------------------------

    def settle_state(self, reg_no: str) -> SettleState | None:
        """The registration and its bill's settlement, by one indexed query."""
        row = self._settle_query.first(self.engine, reg_no)
        if row is None:
            return None
        return SettleState(json.loads(row[0]), row[1], row[2])

    def bill_state(self, reg_no: str) -> BillState | None:
        """The registration's bill and its settlement (if any): cached, or by one indexed query."""
        # Read the generation before the query: a write committed after it bumps past this tag.
        generation = self._generation.value
        cached = self._bills.get(reg_no)
        if cached is not None and cached[0] == generation:
            return cached[1]
        row = self._bill_query.first(self.engine, reg_no)
        if row is None:
            return None  # unknown RegNos are not cached: a fuzzer sends endless different ones
        state = BillState(row[0], row[1], row[2], row[3], row[4])
        if len(self._bills) >= BILL_CACHE_SIZE:
            self._bills.clear()
        self._bills[reg_no] = (generation, state)
        return state

    def _changed(self) -> None:
        """After a write: every process's cached bill fetches are stale."""
        self._generation.bump()

    def record_settlement(self, settlement: Settlement, request_json: str) -> None:
        """Insert a settlement; `SettlementConflict` when the database already holds one for the bill."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(settlements_table),
                    {
                        "bill_id": settlement.bill_id,
                        "serial_number": settlement.serial_number,
                        "reg_no": settlement.reg_no,
                        "check_out_no": settlement.check_out_no,
                        "receipt": settlement.receipt_json,
                        "request": request_json,
                        "created_at": settlement.created_at,
                    },
                )
        except IntegrityError as exc:
            raise SettlementConflict(str(exc.orig)) from exc
        finally:
            self._changed()

    def settlement_by_serial(self, serial_number: str) -> Settlement | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(settlements_table).where(settlements_table.c.serial_number == serial_number)
            ).first()
        return None if row is None else _settlement(row._mapping)

    # --- administration ------------------------------------------------------------------------

    def jwt_secret(self) -> str:
        """The signing key of this database's tokens; created once, so tokens survive a restart."""
        with self.engine.begin() as conn:
            value = conn.execute(select(meta_table.c.value).where(meta_table.c.key == _SECRET_KEY)).scalar()
            if value is not None:
                return str(value)
            value = secrets.token_urlsafe(32)
            with contextlib.suppress(IntegrityError):
                with conn.begin_nested():
                    conn.execute(insert(meta_table), {"key": _SECRET_KEY, "value": value})
            return str(
                conn.execute(select(meta_table.c.value).where(meta_table.c.key == _SECRET_KEY)).scalar()
            )

    def put_registrations(self, registrations: Iterable[Registration]) -> None:
        """Add registrations or replace them by RegNo, all or nothing. Settlements are kept (by BILLID)."""
        registrations = list(registrations)
        try:
            with self.engine.begin() as conn:
                self._upsert(conn, registrations)
        except IntegrityError as exc:
            raise StoreError(_bill_id_clash(exc, registrations)) from exc
        finally:
            self._changed()

    def reset(self, registrations: Iterable[Registration]) -> None:
        """Forget every settlement and registration, then store `registrations`."""
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(settlements_table))
                conn.execute(delete(registrations_table))
                self._upsert(conn, list(registrations))
        finally:
            self._changed()

    def registrations(self) -> list[dict[str, Any]]:
        """Every registration in the fixtures format, in the order they were added."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations_table.c.document).order_by(registrations_table.c.position)
            ).all()
        return [json.loads(row[0]) for row in rows]

    def registration_summaries(self) -> list[tuple[dict[str, Any], bool]]:
        """Every registration with whether its bill is settled (for the start-up banner)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations_table.c.document, settlements_table.c.id)
                .select_from(
                    registrations_table.outerjoin(
                        settlements_table, settlements_table.c.bill_id == registrations_table.c.bill_id
                    )
                )
                .order_by(registrations_table.c.position)
            ).all()
        return [(json.loads(row[0]), row[1] is not None) for row in rows]

    def settlements(self) -> list[Settlement]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(settlements_table).order_by(settlements_table.c.id)).all()
        return [_settlement(row._mapping) for row in rows]

    def _upsert(self, conn: Connection, registrations: list[Registration]) -> None:
        if not registrations:
            return
        conn.execute(
            delete(registrations_table).where(
                registrations_table.c.reg_no.in_([r.reg_no for r in registrations])
            )
        )
        position = conn.execute(
            select(func.coalesce(func.max(registrations_table.c.position), 0))
        ).scalar_one()
        conn.execute(
            insert(registrations_table),
            [
                {
                    "reg_no": r.reg_no,
                    "card_no": r.card_no,
                    "bill_id": r.bill_id,
                    "document": _dumps(r.to_document()),
                    "bill": _dumps(r.bill),
                    "position": position + offset + 1,
                }
                for offset, r in enumerate(registrations)
            ],
        )


class _ByRegNo:
    """A SELECT by RegNo, compiled once for the engine's dialect and run on a raw pooled connection.

    This is the per-request query: going around SQLAlchemy's Connection and result machinery makes it
    about three times cheaper, while the SQL stays generated by SQLAlchemy for whatever database.
    """

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._positional = engine.dialect.paramstyle in ("qmark", "format", "numeric")

    def first(self, engine: Engine, reg_no: str) -> tuple[Any, ...] | None:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, (reg_no,) if self._positional else {"reg_no": reg_no})
                row = cursor.fetchone()
            finally:
                cursor.close()
            connection.commit()  # end the read transaction: the next read must see new settlements
        finally:
            connection.close()
        return None if row is None else tuple(row)


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    database = make_url(url).database
    if database:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Several worker processes share the file: wait for a lock rather than failing at once.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=16)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers (every bill fetch) run while one writer settles; NORMAL keeps commits cheap.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _settlement(row: Any) -> Settlement:
    return Settlement(
        bill_id=row["bill_id"],
        serial_number=row["serial_number"],
        reg_no=row["reg_no"],
        check_out_no=row["check_out_no"],
        receipt_json=row["receipt"],
        created_at=row["created_at"],
    )


def _bill_id_clash(exc: IntegrityError, registrations: list[Registration]) -> str:
    return (
        "a BILLID is already the bill of another registration; each bill needs its own BILLID"
        f" (BILLIDs sent: {', '.join(r.bill_id for r in registrations)}; database said: {exc.orig})"
    )


def _reason(exc: Exception) -> str:
    """Why the database cannot be used, in one line: the driver to install, or the error's first line
    (SQLAlchemy appends the SQL and a "Background on this error at" link on lines of their own)."""
    if isinstance(exc, ImportError):
        return (
            f"its driver is not installed ({exc}); install a driver: pip install {exc.name or 'the driver'}"
        )
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {first_line}"


def _redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
