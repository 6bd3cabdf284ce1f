"""Faults injected through the admin API for the next N calls of an operation, kept in the database.

Kinds: `status` (answer an error envelope with the given status), `delay` (wait, then answer
normally), `http500` (an HTML 500 page, as a crashed IIS/Kestrel would send), `drop` (close the
connection without an answer). `when` is `before` (the default: the call does nothing, the fault is
its answer) or `after`: the fault waits for a call that succeeds, lets it do its work (a settlement is
committed), then replaces its answer: the moment a payment kiosk loses the answer to a paid bill.
Scenarios (`mock_server.scenarios`) add kinds of their own, and faults bounded by time (`until`) or
by the token a call carries. Pending faults are rows of `pending_faults`, so a fault injected
through one host or worker fires in whichever process gets the call; `FaultBoard.take` counts a
fault down atomically, so a fault for N calls fires exactly N times across all of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from his_contract.client_rules import CHANGE_BILL_FAULT, EXPIRE_TOKEN_FAULT
from mock_server.database import Database
from mock_server.errors import FaultError
from mock_server.schema import faults_table

KINDS = ("status", "delay", "http500", "drop")
# When a fault is applied: "before" the operation (nothing happens, the fault is the answer), or
# "after" a call that succeeded (it has committed; then its answer is replaced).
APPLIED = ("before", "after")
# Kinds only scenarios arm: a token that expires, a bill that changes, a restarting IIS's HTML 503.
EXPIRE_TOKEN = EXPIRE_TOKEN_FAULT
CHANGE_BILL = CHANGE_BILL_FAULT
HTTP503 = "http503"
# The operation of a fault for every operation (his-unavailable, an expired token).
ANY_OPERATION = "*"
# How many of an operation's pending faults a call looks at to find its own (before, token, time).
_LOOK_AHEAD = 16
MAX_DELAY_MS = 120_000
# Pending faults the board holds at most (identical ones merge into one row): a bound on the table.
MAX_PENDING = 1000
# A take that loses the race for a fault's last count to another process looks again, this often.
_TAKE_ATTEMPTS = 50
# The alias path shares its canonical operation's faults: a client sees one operation under two URLs.
CANONICAL_OPERATION = {"getUnpayBillByDoctorAlias": "getUnSettleBillByDoctor"}

log = logging.getLogger("his_mock")


def canonical_operation(operation_id: str) -> str:
    """The operation whose faults a call of `operation_id` takes."""
    return CANONICAL_OPERATION.get(operation_id, operation_id)


@dataclass(slots=True, frozen=True)
class Fault:
    """One pending fault (`remaining`: the calls it still applies to, this one included on a take)."""

    operation: str
    kind: str
    remaining: int
    status: int | None = None
    delay_ms: int = 0
    when: str = "before"
    # Epoch seconds: the fault answers every matching call until then (not counted down).
    until: float | None = None
    # Only calls carrying this token (its journal fingerprint) take the fault.
    token: str | None = None
    # The scenario that armed it.
    scenario: str | None = None

    def to_document(self) -> dict[str, Any]:
        """The fault as the admin API shows it (camelCase, as requests spell it)."""
        document: dict[str, Any] = {
            "operation": self.operation,
            "kind": self.kind,
            "remaining": self.remaining,
            "status": self.status,
            "delayMs": self.delay_ms,
            "when": self.when,
        }
        if self.until is not None:
            document["until"] = self.until
        if self.token is not None:
            document["token"] = self.token
        if self.scenario is not None:
            document["scenario"] = self.scenario
        return document

    def describe(self) -> str:
        """For the log line: the kind, its status, `after`, the scenario."""
        text = self.kind if self.status is None else f"{self.kind} {self.status}"
        if self.when == "after":
            text += " after"
        return text if self.scenario is None else f"{text} ({self.scenario})"


def parse_fault(data: object, *, operations: Iterable[str], status_codes: Iterable[int]) -> Fault:
    """Check an admin request body and build the fault it asks for."""
    if not isinstance(data, Mapping):
        raise FaultError(
            'expected a JSON object like {"operation": "settleByDoctor", "kind": "status", "status": 2}'
        )
    known = sorted(operations)
    operation = data.get("operation")
    if operation not in known:
        raise FaultError(f"`operation` must be one of {', '.join(known)}; got {operation!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise FaultError(f"`kind` must be one of {', '.join(KINDS)}; got {kind!r}")
    times = data.get("times", 1)
    if not _is_int(times) or not 1 <= times <= 1_000_000:
        raise FaultError(f"`times` must be an integer from 1 to 1000000; got {times!r}")
    status = data.get("status")
    if kind == "status":
        codes = sorted(code for code in status_codes if code != 0)
        if status not in codes:
            raise FaultError(f"`status` must be a non-zero envelope status, one of {codes}; got {status!r}")
    elif status is not None:
        raise FaultError(f"`status` only applies to kind `status`, not {kind!r}")
    delay_ms = _delay_ms(data)
    if kind == "delay" and delay_ms == 0:
        raise FaultError("kind `delay` needs `delayMs` > 0")
    when = data.get("when", "before")
    if when not in APPLIED:
        raise FaultError(f"`when` must be one of {', '.join(APPLIED)}; got {when!r}")
    return Fault(
        operation=canonical_operation(str(operation)),
        kind=str(kind),
        remaining=int(times),
        status=status,
        delay_ms=delay_ms,
        when=str(when),
    )


def _delay_ms(data: Mapping[str, Any]) -> int:
    """`delayMs` (the admin API's spelling); `delay_ms` is accepted as well, but not both."""
    if "delayMs" in data and "delay_ms" in data:
        raise FaultError("give `delayMs` only (`delay_ms` is the same field)")
    delay_ms = data.get("delayMs", data.get("delay_ms", 0))
    if not _is_int(delay_ms) or not 0 <= delay_ms <= MAX_DELAY_MS:
        raise FaultError(f"`delayMs` must be an integer from 0 to {MAX_DELAY_MS}; got {delay_ms!r}")
    return int(delay_ms)


class FaultBoard:
    """The pending faults in the database, first in first out per operation."""

    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        columns = faults_table.c
        # The hot path's only cost when nothing is pending: one indexed read. It reads the call's
        # candidates (its operation's and every operation's, not yet expired, for its token or any).
        self._candidates = database.statement(
            select(
                columns.id,
                columns.operation,
                columns.kind,
                columns.remaining,
                columns.status,
                columns.delay_ms,
                columns.applied,
                columns.until,
                columns.token,
                columns.scenario,
            )
            .where(
                columns.operation.in_([bindparam("operation"), bindparam("any_operation")]),
                or_(columns.token.is_(None), columns.token == bindparam("token")),
                or_(columns.until.is_(None), columns.until > bindparam("now")),
            )
            .order_by(columns.id)
            .limit(_LOOK_AHEAD),
        )

    def add(self, fault: Fault) -> Fault:
        """Queue `fault`; the pending fault it was merged into (or itself). `FaultError` when full.

        A fault identical to the operation's last pending one only adds to its count, which keeps the
        order of the operation's faults and the table small.
        """
        columns = faults_table.c
        with self._engine.begin() as conn:
            # Faults whose time is over are gone (they no longer apply to any call).
            conn.execute(delete(faults_table).where(faults_table.c.until <= time.time()))
            last = conn.execute(
                select(faults_table)
                .where(columns.operation == fault.operation)
                .order_by(columns.id.desc())
                .limit(1)
            ).first()
            if last is not None:
                pending = _fault(fault.operation, last._mapping)
                if replace(pending, remaining=fault.remaining) == fault:
                    conn.execute(
                        update(faults_table)
                        .where(columns.id == last.id)
                        .values(remaining=columns.remaining + fault.remaining)
                    )
                    return replace(pending, remaining=pending.remaining + fault.remaining)
            count = conn.execute(select(func.count()).select_from(faults_table)).scalar_one()
            if count >= MAX_PENDING:
                raise FaultError(
                    f"too many pending faults ({count}, the board holds {MAX_PENDING}); clear them with"
                    " DELETE /__admin/faults or use `times` for repeats"
                )
            conn.execute(
                insert(faults_table),
                {
                    "operation": fault.operation,
                    "kind": fault.kind,
                    "remaining": fault.remaining,
                    "status": fault.status,
                    "delay_ms": fault.delay_ms,
                    "applied": fault.when,
                    "until": fault.until,
                    "token": fault.token,
                    "scenario": fault.scenario,
                },
            )
        return fault

    def take_for_call(self, operation: str, *, token: str | None = None) -> tuple[Fault | None, bool]:
        """The `before` fault for this call of `operation` (taken), and whether an `after` fault is
        pending for it (worth a second look once the call has succeeded). One read when idle."""
        return self._take(operation, "before", token)

    def take(self, operation: str, *, when: str = "before", token: str | None = None) -> Fault | None:
        """The fault for this call of `operation` at `when`, counted down in the database; None when none.

        The decrement is conditional (`remaining > 0`), so of several processes taking the last count
        at once exactly one gets it; the others look for the next pending fault. A fault with `until`
        is not counted down: it applies to every matching call until then.
        """
        return self._take(operation, when, token)[0]

    def _take(self, operation: str, when: str, token: str | None) -> tuple[Fault | None, bool]:
        """The fault taken (or None), and whether an `after` fault was among the call's candidates."""
        columns = faults_table.c
        after_pending = False
        for _ in range(_TAKE_ATTEMPTS):
            rows = self._candidates.execute(
                operation=operation, any_operation=ANY_OPERATION, token=token, now=time.time()
            )
            after_pending = any(row[6] == "after" for row in rows)
            row = next((row for row in rows if row[6] == when), None)
            if row is None:
                return None, after_pending
            fault_id = row[0]
            fault = Fault(
                operation=row[1],
                kind=row[2],
                remaining=int(row[3]),
                status=row[4],
                delay_ms=int(row[5]),
                when=row[6],
                until=row[7],
                token=row[8],
                scenario=row[9],
            )
            if fault.until is not None:
                return fault, after_pending
            with self._engine.begin() as conn:
                taken = conn.execute(
                    update(faults_table)
                    .where(columns.id == fault_id, columns.remaining > 0)
                    .values(remaining=columns.remaining - 1)
                ).rowcount
                if taken:
                    conn.execute(delete(faults_table).where(columns.id == fault_id, columns.remaining <= 0))
                    return fault, after_pending
                # Someone else took its last count: delete the spent row (if still there) and look again.
                conn.execute(delete(faults_table).where(columns.id == fault_id, columns.remaining <= 0))
        log.warning(
            "could not take a fault for %s after %d attempts; answering normally", operation, _TAKE_ATTEMPTS
        )
        return None, after_pending

    def pending(self) -> list[Fault]:
        """The faults still to fire, in order (those whose time is over are left out)."""
        columns = faults_table.c
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(faults_table)
                .where(or_(columns.until.is_(None), columns.until > time.time()))
                .order_by(columns.id)
            ).all()
        return [_fault(row.operation, row._mapping) for row in rows]

    def clear(self, conn: Connection | None = None) -> None:
        """Forget every pending fault (within the caller's transaction, when given)."""
        if conn is not None:
            conn.execute(delete(faults_table))
            return
        with self._engine.begin() as own:
            own.execute(delete(faults_table))


def _fault(operation: str, row: Any) -> Fault:
    return Fault(
        operation=operation,
        kind=row["kind"],
        remaining=int(row["remaining"]),
        status=row["status"],
        delay_ms=int(row["delay_ms"]),
        when=row["applied"],
        until=row["until"],
        token=row["token"],
        scenario=row["scenario"],
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
