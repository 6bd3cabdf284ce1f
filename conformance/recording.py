"""Recorded traffic as the suite judges it: the calls of documented operations, and what was left out.

A recording is read from a file (HAR 1.2 by `conformance.har`, his-mock's journal export by
`conformance.journal_export`). The file is hostile input: `load_json` bounds its size and its
JSON nesting before anything walks it, and each reader bounds entries, headers and bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.contract import Contract
from conformance.errors import RecordingUnreadable
from conformance.http import Exchange

# A day of kiosk traffic is a few MiB of HAR; beyond this the file is not a capture worth reading whole.
MAX_FILE_BYTES = 256 * 1024 * 1024
# HAR is six levels deep; the headroom is for tools' extras. JSON bodies are strings at this level.
MAX_DEPTH = 32
MAX_ENTRIES = 50_000


@dataclass(slots=True, frozen=True)
class RecordedExchange:
    """One recorded call of a documented operation."""

    index: int  # position in the file (`log.entries[index]`, or the journal list)
    started: str  # the recorded start time, as written in the file
    exchange: Exchange
    timed: bool  # whether `exchange.elapsed` was recorded (TRN-1 needs it)
    request_body_recorded: bool
    response_body_recorded: bool  # False: only the status line and headers are known
    fault: str | None = None  # the fault his-mock's admin API injected into this call (journal only)
    answer_status: int | None = None  # the envelope status, where only a journal recorded it
    at: float | None = None  # the start as POSIX seconds (None: no readable time in the file)
    user: str | None = None  # who called, where the file says it (the journal's user)
    answer_facts: Mapping[str, Any] | None = None  # facts of the answer a journal keeps (BILLID ...)

    noun: str = "entry #"  # how the file numbers its calls: `entry #3`, `journal id 17`

    @property
    def citation(self) -> str:
        return cite(self.index, self.started, self.noun)


def cite(index: int, started: str, noun: str = "entry #") -> str:
    """Where a reader finds a call in the file: `entry #3 (2026-12-01T10:15:32.120Z)`."""
    return f"{noun}{index} ({started})" if started else f"{noun}{index}"


@dataclass(slots=True, frozen=True)
class SkippedEntry:
    """An entry that is not judged, and why."""

    index: int
    started: str
    method: str
    url: str
    reason: str


@dataclass(slots=True)
class Recording:
    """What a file holds: the documented calls in time order, and what was left out."""

    source: str  # "HAR 1.2 (WebInspector 537.36)", "his-mock journal"
    exchanges: list[RecordedExchange] = field(default_factory=list)
    unknown: list[SkippedEntry] = field(default_factory=list)  # paths the contract does not document
    unjudged: list[SkippedEntry] = field(default_factory=list)  # documented paths that cannot be judged
    beyond_cap: int = 0  # entries after MAX_ENTRIES, not read


def load_json(path: Path) -> Any:
    """The JSON document in `path`, read within the size and depth bounds."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RecordingUnreadable(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise RecordingUnreadable(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        # The C decoder refuses deep nesting with RecursionError before the stack is at risk.
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RecordingUnreadable(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    except RecursionError:
        raise RecordingUnreadable(f"{path} is JSON nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise RecordingUnreadable(f"{path} is not valid JSON: {exc}") from exc
    if json_depth(document) > MAX_DEPTH:
        raise RecordingUnreadable(f"{path} is JSON nested more than {MAX_DEPTH} levels deep")
    return document


def json_depth(document: Any) -> int:
    """The nesting depth of a decoded JSON value (iterative: no recursion on hostile input)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Sequence[Any] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def in_time_order(read: list[tuple[datetime | None, RecordedExchange]]) -> list[RecordedExchange]:
    """Sort by start time where every call has one (tools do not always write entries in order)."""
    if all(started is not None for started, _ in read):
        read = sorted(read, key=lambda item: (item[0], item[1].index))
    return [exchange for _, exchange in read]


def operation_for_url(url: str, contract: Contract) -> str | None:
    """The documented operation a URL calls, by its path.

    Matched case-insensitively (ASP.NET Core routes are) and as a suffix (every documented path
    starts with `/`, so on a segment boundary): a deployment behind a reverse proxy's prefix
    (`/his/api/Login/Token`) is still recognised.
    """
    try:
        path = urlsplit(url).path.lower().rstrip("/")
    except ValueError:
        return None
    for operation in contract.operations.values():
        if path.endswith(operation.path.lower().rstrip("/")):
            return operation.operation_id
    return None


# --- Helpers ---------------------------------------------------------------------------------


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a naive time cannot be ordered against an aware one; keep the file's order
    return parsed


def text_value(value: object) -> str:
    return value if isinstance(value, str) else ""


def int_value(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def number_value(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if number == number and number != float("inf") else None
