"""Read HAR 1.2 files into recorded calls: what browsers, Fiddler, Charles and mitmproxy export.

Each tool has its habits: response bodies as text or base64 (`content.encoding`), `content.text`
absent when the tool did not keep the body, no `postData` on a bodiless POST, form bodies as
`params`, `_`-prefixed extras (`_error`, `_resourceType`), HTTP/2 pseudo-headers. Every entry
whose URL path is a documented operation becomes a `RecordedExchange`; everything else is listed
(`Recording.unknown`, `Recording.unjudged`) with the reason, never judged. Anything that is not a
readable HAR (or journal) is a `RecordingUnreadable` (exit 2, one line), never a crash.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from conformance.contract import Contract
from conformance.errors import RecordingUnreadable
from conformance.http import MAX_BODY_BYTES, Exchange, HttpRequest, HttpResponse, Problem
from conformance.journal_export import is_journal, recording_from_journal
from conformance.recording import (
    MAX_ENTRIES,
    RecordedExchange,
    Recording,
    SkippedEntry,
    cite,
    in_time_order,
    int_value,
    load_json,
    number_value,
    operation_for_url,
    parse_time,
    text_value,
)

MAX_HEADERS = 500
REDACTED = "***"

# Chromium's net error names (`response._error`) that mean the server, not the browser, ended the call.
# Others (net::ERR_ABORTED, net::ERR_BLOCKED_BY_CLIENT, CORS failures) are the browser's doing.
_SERVER_ERRORS = {
    "net::ERR_EMPTY_RESPONSE": Problem.CONNECTION,
    "net::ERR_CONNECTION_CLOSED": Problem.CONNECTION,
    "net::ERR_CONNECTION_RESET": Problem.CONNECTION,
    "net::ERR_CONNECTION_REFUSED": Problem.CONNECTION,
    "net::ERR_INVALID_HTTP_RESPONSE": Problem.CONNECTION,
    "net::ERR_CONTENT_LENGTH_MISMATCH": Problem.INCOMPLETE,
    "net::ERR_INCOMPLETE_CHUNKED_ENCODING": Problem.INCOMPLETE,
    "net::ERR_TIMED_OUT": Problem.TIMEOUT,
    "net::ERR_CONNECTION_TIMED_OUT": Problem.TIMEOUT,
}
# Headers whose values say nothing about the contract and may carry someone's session.
_HIDDEN_REQUEST_HEADERS = frozenset({"cookie", "proxy-authorization"})


def read_recording(path: Path, contract: Contract) -> Recording:
    """The documented calls recorded in `path` (HAR 1.2, or his-mock's `/__admin/requests` export)."""
    document = load_json(path)
    if isinstance(document, dict) and isinstance(document.get("log"), dict):
        return recording_from_har(document, contract)
    if is_journal(document):
        return recording_from_journal(document, contract)
    raise RecordingUnreadable(
        f"{path} is JSON but neither a HAR file (no `log` object) nor a his-mock journal export"
    )


# --- HAR -------------------------------------------------------------------------------------


def recording_from_har(document: Mapping[str, Any], contract: Contract) -> Recording:
    log = document["log"]
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise RecordingUnreadable("not a HAR file: `log.entries` is missing or not a list")
    recording = Recording(_har_source(log))
    recording.beyond_cap = max(0, len(entries) - MAX_ENTRIES)
    read: list[tuple[datetime | None, RecordedExchange]] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        item = _har_entry(index, entry, contract, recording)
        if item is not None:
            read.append(item)
    recording.exchanges = in_time_order(read)
    return recording


def _har_source(log: Mapping[str, Any]) -> str:
    version = text_value(log.get("version")) or "?"
    creator = log.get("creator")
    if isinstance(creator, Mapping):
        name = " ".join(p for p in (text_value(creator.get("name")), text_value(creator.get("version"))) if p)
        if name:
            return f"HAR {version} ({name[:80]})"
    return f"HAR {version}"


def _har_entry(
    index: int, entry: object, contract: Contract, recording: Recording
) -> tuple[datetime | None, RecordedExchange] | None:
    if not isinstance(entry, Mapping):
        raise RecordingUnreadable(f"not a HAR file: log.entries[{index}] is not an object")
    request = entry.get("request")
    response = entry.get("response")
    if not isinstance(request, Mapping) or not isinstance(response, Mapping):
        raise RecordingUnreadable(f"not a HAR file: log.entries[{index}] lacks `request` or `response`")
    started = text_value(entry.get("startedDateTime"))[:64]
    method = text_value(request.get("method")).upper()[:16] or "GET"
    url = text_value(request.get("url"))
    operation_id = operation_for_url(url, contract)
    skipped = SkippedEntry(index, started, method, url[:300], "")
    if operation_id is None:
        recording.unknown.append(skipped)
        return None
    if method != "POST":
        recording.unjudged.append(_because(skipped, f"method {method}: the operation is POST only"))
        return None
    request_headers = _har_headers(request.get("headers"), hide=_HIDDEN_REQUEST_HEADERS)
    body, body_recorded = _har_request_body(request, request_headers)
    http_request = HttpRequest(method, url, request_headers, body)
    elapsed, timed = _har_elapsed(entry)
    problem = _har_problem(response, entry)
    status = int_value(response.get("status"))
    if status is None or not 100 <= status <= 999:
        if problem is None:
            reason = f"no response recorded (status {response.get('status')!r}, no server error given)"
            recording.unjudged.append(_because(skipped, reason))
            return None
        http_response = None
        response_recorded = True
    else:
        headers = _har_headers(response.get("headers"))
        content, response_recorded = _har_content(response.get("content"))
        if content is not None and len(content) > MAX_BODY_BYTES:
            content, problem = content[:MAX_BODY_BYTES], problem or Problem.TOO_LARGE
        reason = text_value(response.get("statusText"))[:200]
        http_response = HttpResponse(status, reason, headers, content or b"")
    exchange = Exchange(
        operation_id,
        http_request,
        http_response,
        problem,
        elapsed,
        purpose=f"recorded {cite(index, started)}",
    )
    when = parse_time(started)
    recorded = RecordedExchange(
        index,
        started,
        exchange,
        timed,
        body_recorded,
        response_recorded,
        at=when.timestamp() if when is not None else None,
    )
    return when, recorded


def _har_headers(raw: object, *, hide: frozenset[str] = frozenset()) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    headers: list[tuple[str, str]] = []
    for item in raw[:MAX_HEADERS]:
        if not isinstance(item, Mapping):
            continue
        name, value = text_value(item.get("name")), text_value(item.get("value"))
        if not name or name.startswith(":"):
            continue  # HTTP/2 pseudo-headers (:authority, :path) are the request line, not headers
        headers.append((name, REDACTED if name.lower() in hide else value))
    return tuple(headers)


def _har_request_body(
    request: Mapping[str, Any], headers: tuple[tuple[str, str], ...]
) -> tuple[bytes | None, bool]:
    """The body as sent, and whether the tool recorded it (a bodiless POST has no `postData`)."""
    post = request.get("postData")
    if isinstance(post, Mapping):
        text = post.get("text")
        if isinstance(text, str):
            if text_value(post.get("encoding")).lower() == "base64":  # a few tools do this for binary bodies
                decoded = _base64(text)
                return decoded, decoded is not None
            return text.encode("utf-8", errors="surrogatepass"), True
        params = post.get("params")
        if isinstance(params, list):
            pairs = [
                (text_value(p.get("name")), text_value(p.get("value")))
                for p in params[:MAX_HEADERS]
                if isinstance(p, Mapping)
            ]
            return urlencode(pairs).encode("utf-8"), True
        return None, False
    size = int_value(request.get("bodySize"))
    declared = next((v for k, v in headers if k.lower() == "content-length"), None)
    if size == 0 or declared == "0":
        return None, True  # a POST without a body (Chromium and Fiddler write no postData for it)
    return None, False  # -1 or absent: the tool does not say, so the body is unknown


def _har_content(raw: object) -> tuple[bytes | None, bool]:
    """The response body (decoded from base64 where the tool encoded it) and whether it was recorded."""
    if not isinstance(raw, Mapping):
        return None, False
    text = raw.get("text")
    if not isinstance(text, str):
        size = int_value(raw.get("size"))
        # `size` 0 with no text is an empty body (mitmproxy, Chromium); otherwise the tool dropped it.
        return (b"", True) if size == 0 else (None, False)
    if text_value(raw.get("encoding")).lower() == "base64":
        decoded = _base64(text)
        return (decoded, True) if decoded is not None else (None, False)
    return text.encode("utf-8", errors="surrogatepass"), True


def _har_elapsed(entry: Mapping[str, Any]) -> tuple[float, bool]:
    """Seconds from sending the request to the last byte of the answer, and whether it is known.

    The server's share is `send + wait + receive` of `timings` (a browser's queueing, DNS and
    connect are not the server's doing); without timings, the entry's total `time`.
    """
    timings = entry.get("timings")
    if isinstance(timings, Mapping):
        parts = [number_value(timings.get(name)) for name in ("send", "wait", "receive")]
        known = [part for part in parts if part is not None and part >= 0]
        if known:
            return sum(known) / 1000.0, True
    total = number_value(entry.get("time"))
    if total is not None and total >= 0:
        return total / 1000.0, True
    return 0.0, False


def _har_problem(response: Mapping[str, Any], entry: Mapping[str, Any]) -> Problem | None:
    error = text_value(response.get("_error")) or text_value(entry.get("_error"))
    if not error:
        return None
    return _SERVER_ERRORS.get(error.split(" ", 1)[0])


def _because(skipped: SkippedEntry, reason: str) -> SkippedEntry:
    return SkippedEntry(skipped.index, skipped.started, skipped.method, skipped.url, reason)


# --- Helpers ---------------------------------------------------------------------------------


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)  # tools wrap base64 lines
    except (binascii.Error, ValueError):
        return None
