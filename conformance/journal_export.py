"""Read his-mock's journal export (`GET /__admin/requests`) into recorded calls.

The journal keeps what the mock saw of each call: the request (its body redacted and cut at
1 KiB, the Authorization header as `Bearer ***`), the envelope `status` and `msg` it answered,
the latency, and the fault the admin API injected. It keeps no response body, so the server
side of a journal is judged only where the status line is enough (TRN-1); the client side
(the requests) is what a journal is for. Entries are newest first: they are put back in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
    index: int, entry: Mapping[str, Any], contract: Contract, recording: Recording
) -> tuple[datetime | None, RecordedExchange] | None:
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
    request = entry.get("request") if isinstance(entry.get("request"), Mapping) else {}
    assert isinstance(request, Mapping)
    raw_headers = request.get("headers") if isinstance(request.get("headers"), Mapping) else {}
    assert isinstance(raw_headers, Mapping)
    headers = tuple(
        (str(name)[:100], text_value(value))
        for name, value in list(raw_headers.items())[:100]
        if value is not None
    )
    body_text = request.get("body")
    body = body_text.encode("utf-8", errors="replace") if isinstance(body_text, str) else None
    # A body cut at 1 KiB or with a password hidden is not the body as sent.
    body_recorded = isinstance(body_text, str) and not body_text.endswith(_TRUNCATION_MARK)
    body_recorded = body_recorded and _REDACTED_MARK not in (body_text or "")
    http_status = int_value(entry.get("httpStatus"))
    fault = text_value(entry.get("fault"))
    latency = number_value(entry.get("latencyMs"))
    response: HttpResponse | None = None
    problem: Problem | None = None
    if fault.startswith("drop") or http_status in (None, 0):
        problem = Problem.CONNECTION
    else:
        assert http_status is not None
        response = HttpResponse(http_status, "", (), b"")
    exchange = Exchange(
        operation_id,
        HttpRequest(method, path, headers, body),
        response,
        problem,
        (latency or 0.0) / 1000.0,
        purpose=f"recorded {cite(index, started)}",
    )
    recorded = RecordedExchange(
        index,
        started,
        exchange,
        timed=latency is not None,
        request_body_recorded=body_recorded,
        response_body_recorded=False,
        fault=fault or None,
        answer_status=int_value(entry.get("status")),
    )
    return _naive(started), recorded


def _naive(text: str) -> datetime | None:
    """The journal's times are local and carry no offset: comparable among themselves."""
    parsed = parse_time(text + "+00:00") if text and "+" not in text and not text.endswith("Z") else None
    return parsed or parse_time(text)
