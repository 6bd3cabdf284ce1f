"""Faults injected through the admin API for the next N calls of an operation.

Kinds: `status` (answer an error envelope with the given status), `delay` (wait, then answer
normally), `http500` (an HTML 500 page, as a crashed IIS/Kestrel would send), `drop` (close the
connection without an answer). `when` is `before` (the default: the call does nothing, the fault is
its answer) or `after`: the fault waits for a call that succeeds, lets it do its work (a settlement is
committed), then replaces its answer: the moment a payment kiosk loses the answer to a paid bill.
Scenarios (`mock_server.scenarios`) add kinds of their own and faults bounded by time (`until`) or
by the token a call carries. Pending faults live in shared memory, so they fire in whichever worker
process gets the call.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from mock_server.errors import FaultError, SharedMemoryFull
from mock_server.shared import SharedJson

KINDS = ("status", "delay", "http500", "drop")
WHEN = ("before", "after")
# Kinds only scenarios arm: an expired token, a bill that changes, a restarting IIS's HTML 503.
EXPIRE_TOKEN = "expire-token"
CHANGE_BILL = "change-bill"
HTTP503 = "http503"
# A fault for every operation (a time-bounded one: the HIS is unavailable).
ANY_OPERATION = "*"
MAX_DELAY_MS = 120_000
# The alias path shares its canonical operation's faults: a client sees one operation under two URLs.
CANONICAL_OPERATION = {"getUnpayBillByDoctorAlias": "getUnSettleBillByDoctor"}


def canonical_operation(operation_id: str) -> str:
    """The operation whose faults a call of `operation_id` takes."""
    return CANONICAL_OPERATION.get(operation_id, operation_id)


@dataclass(slots=True, frozen=True)
class Fault:
    """One pending fault."""

    operation: str
    kind: str
    remaining: int
    status: int | None = None
    delay_ms: int = 0
    when: str = "before"
    # Epoch seconds: the fault answers every matching call until then (not counted down).
    until: float | None = None
    # Only calls that carry this token (a fingerprint, `token_fingerprint`) take the fault.
    token: str | None = None
    # The scenario that armed it, for the journal and the report.
    scenario: str | None = None

    def describe(self) -> str:
        """How the journal names it: the kind, the status, `after`, the scenario."""
        text = self.kind if self.status is None else f"{self.kind} {self.status}"
        if self.when == "after":
            text += " after"
        return text if self.scenario is None else f"{text} ({self.scenario})"

    def matches(self, operation: str, when: str, token: str | None, now: float) -> bool:
        return (
            self.operation in (operation, ANY_OPERATION)
            and self.when == when
            and (self.token is None or self.token == token)
            and (self.until is None or now < self.until)
        )


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
    if not _is_int(times) or times < 1:
        raise FaultError(f"`times` must be a positive integer; got {times!r}")
    status = data.get("status")
    if kind == "status":
        codes = sorted(code for code in status_codes if code != 0)
        if status not in codes:
            raise FaultError(f"`status` must be a non-zero envelope status, one of {codes}; got {status!r}")
    elif status is not None:
        raise FaultError(f"`status` only applies to kind `status`, not {kind!r}")
    delay_ms = data.get("delayMs", 0)
    if not _is_int(delay_ms) or not 0 <= delay_ms <= MAX_DELAY_MS:
        raise FaultError(f"`delayMs` must be an integer from 0 to {MAX_DELAY_MS}; got {delay_ms!r}")
    if kind == "delay" and delay_ms == 0:
        raise FaultError("kind `delay` needs `delayMs` > 0")
    when = data.get("when", "before")
    if when not in WHEN:
        raise FaultError(f"`when` must be one of {', '.join(WHEN)}; got {when!r}")
    return Fault(
        operation=canonical_operation(str(operation)),
        kind=str(kind),
        remaining=int(times),
        status=status,
        delay_ms=int(delay_ms),
        when=str(when),
    )


class FaultBoard:
    """The pending faults, first in first out per operation."""

    def __init__(self) -> None:
        self._shared = SharedJson()

    @property
    def idle(self) -> bool:
        """True when nothing is pending: the hot path's only cost when no fault is injected."""
        return self._shared.empty

    def add(self, fault: Fault) -> Fault:
        """Queue `fault`; the pending fault it was merged into (or itself). `FaultError` when full.

        A fault identical to the operation's last pending one only adds to its count, which keeps the
        order of the operation's faults and the shared memory small.
        """

        def change(pending: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], Fault]:
            pending = list(pending or [])
            same_operation = [i for i, entry in enumerate(pending) if entry["operation"] == fault.operation]
            if same_operation:
                last = Fault(**pending[same_operation[-1]])
                if replace(last, remaining=fault.remaining) == fault:
                    merged = replace(last, remaining=last.remaining + fault.remaining)
                    pending[same_operation[-1]] = asdict(merged)
                    return pending, merged
            return [*pending, asdict(fault)], fault

        try:
            result: Fault = self._shared.update(change)
        except SharedMemoryFull as exc:
            raise FaultError(
                f"too many pending faults (the shared board is full: {exc}); clear them with DELETE"
                " /__admin/faults or use `times` for repeats"
            ) from exc
        return result

    def take(self, operation: str, *, when: str = "before", token: str | None = None) -> Fault | None:
        """The fault for this call of `operation` at `when`, counting it down; None when none is pending.

        A fault with `until` is not counted down: it answers every matching call until then, and goes
        once its time is over. `token` is the fingerprint of the call's bearer token (or None).
        """
        now = time.time()

        def change(pending: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]] | None, Fault | None]:
            pending = [entry for entry in pending or [] if entry.get("until") is None or now < entry["until"]]
            for index, entry in enumerate(pending):
                fault = Fault(**entry)
                if not fault.matches(operation, when, token, now):
                    continue
                if fault.until is None:
                    if fault.remaining > 1:
                        pending[index] = {**entry, "remaining": fault.remaining - 1}
                    else:
                        del pending[index]
                return (pending or None), fault
            return (pending or None), None

        result: Fault | None = self._shared.update(change)
        return result

    def pending(self) -> list[Fault]:
        return [Fault(**entry) for entry in self._shared.read() or []]

    def clear(self) -> None:
        self._shared.update(lambda _pending: (None, None))


def token_fingerprint(authorization: str | None) -> str | None:
    """A short, one-way name for the bearer token of a call (never the token itself)."""
    if not authorization:
        return None
    _scheme, _, token = authorization.partition(" ")
    if not token:
        return None
    return hashlib.sha256(token.strip().encode("utf-8", errors="replace")).hexdigest()[:16]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
