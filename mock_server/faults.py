"""Faults injected through the admin API for the next N calls of an operation.

Kinds: `status` (answer an error envelope with the given status), `delay` (wait, then answer
normally), `http500` (an HTML 500 page, as a crashed IIS/Kestrel would send), `drop` (close the
connection without an answer). Pending faults live in shared memory, so they fire in whichever
worker process gets the call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from mock_server.errors import FaultError, SharedMemoryFull
from mock_server.shared import SharedJson

KINDS = ("status", "delay", "http500", "drop")
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
    return Fault(
        operation=canonical_operation(str(operation)),
        kind=str(kind),
        remaining=int(times),
        status=status,
        delay_ms=int(delay_ms),
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

    def take(self, operation: str) -> Fault | None:
        """The fault for this call of `operation`, counting it down; None when none is pending."""

        def change(pending: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]] | None, Fault | None]:
            pending = pending or []
            for index, entry in enumerate(pending):
                if entry["operation"] == operation:
                    fault = Fault(**entry)
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
