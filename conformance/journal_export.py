"""Read his-mock's journal export (`GET /__admin/requests`) into recorded calls.

The journal keeps what the mock saw of each call: the request (its body redacted and cut at
1 KiB, the Authorization header as `Bearer ***`), the envelope `status` and `msg` it answered,
the latency, and the fault the admin API injected. It keeps no response body, so the server
side of a journal is judged only where the status line is enough (TRN-1); the client side
(the requests) is what a journal is for. Entries are newest first: they are put back in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from conformance.contract import Contract
from conformance.errors import RecordingUnreadable
from conformance.http import Exchange, HttpRequest, HttpResponse, Problem
from conformance.recording import (
    MAX_ENTRIES,
    RecordedExchange,
    Recording,
    SkippedEntry,
    cite,
    in_time_order,
    int_value,
    number_value,
    operation_for_url,
    parse_time,
    text_value,
)

_TRUNCATION_MARK = "…"
_REDACTED_MARK = '"***"'
_REQUIRED_KEYS = ("time", "method", "path", "httpStatus")


def is_journal(document: object) -> bool:
    """Whether `document` looks like a journal export (a list of entries, or `{"requests": [...]}`)."""
    entries = _entries(document)
    return entries is not None and all(
        isinstance(item, Mapping) and all(key in item for key in _REQUIRED_KEYS) for item in entries[:100]
    )


def recording_from_journal(document: object, contract: Contract) -> Recording:
    entries = _entries(document)
    if entries is None:
        raise RecordingUnreadable("not a his-mock journal export: no list of entries")
    recording = Recording("his-mock journal")
    recording.beyond_cap = max(0, len(entries) - MAX_ENTRIES)
    read: list[tuple[datetime | None, RecordedExchange]] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        if not isinstance(entry, Mapping):
            raise RecordingUnreadable(f"not a his-mock journal export: entry {index} is not an object")
        item = _journal_entry(index, entry, contract, recording)
        if item is not None:
            read.append(item)
    # Newest first in the export; the calls' own times (local, naive) put them back in order.
    read.reverse()
    recording.exchanges = in_time_order(read)
    return recording


def _entries(document: object) -> list[Any] | None:
    if isinstance(document, Mapping) and isinstance(document.get("requests"), list):
        document = document["requests"]
    return document if isinstance(document, list) else None


def _journal_entry(
    position: int, entry: Mapping[str, Any], contract: Contract, recording: Recording
) -> tuple[datetime | None, RecordedExchange] | None:
    # The journal's own id is what his-mock's report and `/__admin/requests` show: cite that.
    journal_id = int_value(entry.get("id"))
    index = journal_id if journal_id is not None else position
    noun = "journal id " if journal_id is not None else "entry #"
    started = text_value(entry.get("time"))[:64]
    method = text_value(entry.get("method")).upper()[:16]
    path = text_value(entry.get("path"))[:300]
    skipped = SkippedEntry(index, started, method, path, "")
    operation_id = operation_for_url(path, contract)
    if operation_id is None:
        recording.unknown.append(skipped)
        return None
    if method != "POST":
        recording.unjudged.append(
            SkippedEntry(index, started, method, path, f"method {method}: the operation is POST only")
        )
        return None
    request = _mapping(entry.get("request"))
    headers = tuple(
        (str(name)[:100], text_value(value))
        for name, value in list(_mapping(request.get("headers")).items())[:100]
        if isinstance(value, str)
    )
    body_text = request.get("body")
    body = body_text.encode("utf-8", errors="replace") if isinstance(body_text, str) else None
    truncated = entry.get("truncated")
    cut = isinstance(truncated, list) and "body" in truncated
    # A body cut to fit the journal, or with a password hidden, is not the body as sent.
    sent_bytes = int_value(request.get("bodyBytes"))
    body_recorded = (
        isinstance(body_text, str)
        and not cut
        and (sent_bytes is None or body is not None and sent_bytes == len(body))
        and not body_text.endswith(_TRUNCATION_MARK)
        and _REDACTED_MARK not in body_text
    )
    http_status = int_value(entry.get("httpStatus"))
    fault = _fault_kind(entry.get("fault"))
    latency = number_value(entry.get("latencyMs"))
    response: HttpResponse | None = None
    problem: Problem | None = None
    if fault == "drop" or http_status in (None, 0):
        problem = Problem.CONNECTION
    else:
        assert http_status is not None
        response = HttpResponse(http_status, "", (), b"")
    when = _when(entry, started)
    exchange = Exchange(
        operation_id,
        HttpRequest(method, path, headers, body),
        response,
        problem,
        (latency or 0.0) / 1000.0,
        purpose=f"recorded {cite(index, started, noun)}",
    )
    recorded = RecordedExchange(
        index,
        started,
        exchange,
        timed=latency is not None,
        request_body_recorded=body_recorded,
        response_body_recorded=False,
        fault=fault,
        answer_status=int_value(entry.get("status")),
        at=when.timestamp() if when is not None else None,
        noun=noun,
        user=(text_value(entry.get("userId")) or text_value(entry.get("user")))[:128] or None,
        answer_facts={
            str(k)[:40]: text_value(v)[:128] for k, v in list(_mapping(entry.get("answer")).items())[:20]
        },
    )
    return when, recorded


def _fault_kind(raw: object) -> str | None:
    """The injected fault's kind: an object `{"kind": ...}` (issue 13's journal) or a plain string."""
    if isinstance(raw, Mapping):
        kind = text_value(raw.get("kind"))
        return kind[:40] or None
    text = text_value(raw)
    return text.split(" ", 1)[0][:40] or None


def _when(entry: Mapping[str, Any], started: str) -> datetime | None:
    """The call's start: `timeMs` (epoch milliseconds) where the journal has it, else its local `time`."""
    millis = number_value(entry.get("timeMs"))
    if millis is not None and 0 < millis < 1e14:
        return datetime.fromtimestamp(millis / 1000, UTC)
    if not started:
        return None
    # The journal's `time` is local and carries no offset: comparable among its own entries only.
    return parse_time(started if started.endswith("Z") or "+" in started else started + "+00:00")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
