"""The mock's registrations, bills and settlements in its database (SQLAlchemy Core).

One settlement per bill is enforced by the database (a unique constraint on `settlements.bill_id`),
not by a lock in one process, so concurrent SettleByDoctor calls from several threads, worker
processes or hosts create exactly one settlement.

Nothing is cached in a process: a bill fetch is one indexed query (`RawStatement`), so a bill settled
through any host is no longer offered by any other at once (SET-5). The benchmark (`benchmarks/`)
shows the query costs little next to the rest of a call.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from mock_server.database import REGISTRATIONS_LOCK, Database, serialize
from mock_server.errors import SettlementConflict, StoreError
from mock_server.fixtures import Registration
from mock_server.schema import JWT_SECRET_KEY, meta_table, registrations_table, settlements_table

NUL = "\x00"


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


class Store:
    """Registrations, bills and settlements, shared by every thread, worker and host through the database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        engine = database.engine
        self.engine = engine
        joined = registrations_table.outerjoin(
            settlements_table, settlements_table.c.bill_id == registrations_table.c.bill_id
        )
        by_reg_no = registrations_table.c.reg_no == bindparam("reg_no")
        self._bill_query = database.statement(
            select(
                registrations_table.c.card_no,
                registrations_table.c.bill_id,
                registrations_table.c.bill,
                settlements_table.c.serial_number,
                settlements_table.c.receipt,
            )
            .select_from(joined)
            .where(by_reg_no),
        )
        self._settle_query = database.statement(
            select(
                registrations_table.c.document, settlements_table.c.serial_number, settlements_table.c.receipt
            )
            .select_from(joined)
            .where(by_reg_no),
        )

    # --- the hot path -------------------------------------------------------------------------

    def settle_state(self, reg_no: str) -> SettleState | None:
        """The registration and its bill's settlement, by one indexed query."""
        if NUL in reg_no:
            return None  # no registration has one (`put_registrations`); PostgreSQL cannot even compare it
        row = self._settle_query.first(reg_no=reg_no)
        if row is None:
            return None
        return SettleState(json.loads(row[0]), row[1], row[2])

    def bill_state(self, reg_no: str) -> BillState | None:
        """The registration's bill and its settlement (if any), by one indexed query."""
        if NUL in reg_no:
            return None
        row = self._bill_query.first(reg_no=reg_no)
        if row is None:
            return None
        return BillState(row[0], row[1], row[2], row[3], row[4])

    def record_settlement(self, settlement: Settlement, request_json: str) -> None:
        """Insert a settlement; `SettlementConflict` when the database already holds one for the bill."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(settlements_table),
                    {
                        "bill_id": settlement.bill_id,
                        "serial_number": stored_key(settlement.serial_number),
                        "reg_no": settlement.reg_no,
                        "check_out_no": settlement.check_out_no,
                        "receipt": settlement.receipt_json,
                        "request": request_json,
                        "created_at": settlement.created_at,
                    },
                )
        except IntegrityError as exc:
            raise SettlementConflict(str(exc.orig)) from exc

    def settlement_by_serial(self, serial_number: str) -> Settlement | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(settlements_table).where(
                    settlements_table.c.serial_number == stored_key(serial_number)
                )
            ).first()
        return None if row is None else _settlement(row._mapping)

    # --- administration ------------------------------------------------------------------------

    def jwt_secret(self) -> str:
        """The signing key of this database's tokens; created once, so tokens survive a restart and
        every host on the database signs and accepts the same tokens."""
        with self.engine.begin() as conn:
            value = conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == JWT_SECRET_KEY)
            ).scalar()
            if value is not None:
                return str(value)
            value = secrets.token_urlsafe(32)
            with contextlib.suppress(IntegrityError):
                with conn.begin_nested():
                    conn.execute(insert(meta_table), {"key": JWT_SECRET_KEY, "value": value})
        # Another host may have won the insert: its key is the one.
        with self.engine.connect() as conn:
            return str(
                conn.execute(
                    select(meta_table.c.value).where(meta_table.c.key == JWT_SECRET_KEY)
                ).scalar_one()
            )

    def put_registrations(self, registrations: Iterable[Registration]) -> None:
        """Add registrations or replace them by RegNo, all or nothing. Settlements are kept (by BILLID)."""
        registrations = list(registrations)
        for registration in registrations:
            keys = (
                ("RegNo", registration.reg_no),
                ("CardNo", registration.card_no),
                ("BILLID", registration.bill_id),
            )
            for name, value in keys:
                if NUL in value:
                    raise StoreError(f"{name} {value!r} contains a NUL character; no database can look it up")
        try:
            with self.engine.begin() as conn:
                self._upsert(conn, registrations)
        except IntegrityError as exc:
            raise StoreError(_bill_id_clash(exc, registrations)) from exc

    def reset(self, conn: Connection, registrations: Iterable[Registration]) -> None:
        """In the caller's transaction: forget every settlement and registration, store `registrations`."""
        conn.execute(delete(settlements_table))
        conn.execute(delete(registrations_table))
        self._upsert(conn, list(registrations))

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
        # Hosts (or workers) starting at once all write the fixtures: one after the other, each
        # replacing what the previous one wrote, never two inserting the same RegNo.
        serialize(conn, REGISTRATIONS_LOCK)
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


def stored_key(text: str) -> str:
    """A client's key (a SerialNumber) as both databases store it: PostgreSQL text cannot hold NUL.

    Keys without a backslash or NUL are stored as they are; others escaped (backslash first), so two
    different keys never share a stored form.
    """
    if NUL not in text and "\\" not in text:
        return text
    return text.replace("\\", "\\\\").replace(NUL, "\\u0000")


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
