"""The request journal: the recent HIS calls with their outcome, secrets redacted."""

from __future__ import annotations

import json
import marshal
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_server.shared import SharedRing

REDACTED = "***"
_PASSWORD_IN_TEXT = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
_PASSWORD_IN_FORM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)
_PASSWORD_TAIL = re.compile(r'("password"\s*:)(?!\s*"\*\*\*").*', re.IGNORECASE | re.DOTALL)
_BODY_PREVIEW = 1024


@dataclass(slots=True, frozen=True)
class Entry:
    """One HIS call as the journal records it."""

    time: datetime
    method: str
    path: str
    operation_id: str | None
    http_status: int
    status: int | None
    msg: str | None
    latency_ms: float
    authorization: str | None
    content_type: str | None
    body: bytes
    fault: str | None = None
    # Who called (login's userId, the token's sub) and a few facts of the answer (a bill's BILLID and
    # GRZFJE3): what the client report (`/__admin/report`) judges the client by.
    user: str | None = None
    answer: dict[str, str] | None = None


class Journal:
    """Keeps the last calls of every worker in shared memory."""

    def __init__(self, *, capacity: int = 500) -> None:
        self._ring = SharedRing(slots=capacity)

    def record(self, entry: Entry) -> None:
        """Store the call's raw fields (cheap, on the hot path); `entries` builds and redacts the JSON."""
        t = entry.time
        fields = (
            (t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond),
            entry.method,
            entry.path,
            entry.operation_id,
            entry.http_status,
            entry.status,
            entry.msg,
            entry.latency_ms,
            entry.fault,
            os.getpid(),
            # The token never sits in shared memory; redacting it costs no more than copying it.
            redact_authorization(entry.authorization),
            entry.content_type,
            entry.user,
            entry.answer,
            entry.body,
        )
        record = marshal.dumps(fields)
        if not self._ring.fits(record):
            # A body too long for a slot is redacted now, as text, or left out.
            text: str = redact_body(entry.body)
            record = marshal.dumps((*fields[:-1], text))
            if not self._ring.fits(record):
                record = marshal.dumps((*fields[:-1], f"<{len(entry.body)} bytes, too long for the journal>"))
        self._ring.append(record)

    def entries(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded calls, newest first; `id` numbers them from 1 since the last clear."""
        records = self._ring.numbered_records()
        records.reverse()
        if limit is not None:
            records = records[:limit]
        return [_sanitised(_document(number, record)) for number, record in records]

    def clear(self) -> None:
        self._ring.clear()


def _document(number: int, record: bytes) -> dict[str, Any]:
    """One journal entry as `/__admin/requests` shows it, from a stored record; the body redacted here."""
    # Only this module's `record` writes the ring, in memory no other program can reach.
    (
        when,
        method,
        path,
        operation_id,
        http_status,
        status,
        msg,
        latency_ms,
        fault,
        worker,
        authorization,
        content_type,
        user,
        answer,
        body,
    ) = marshal.loads(record)
    return {
        "id": number,
        "time": datetime(*when).isoformat(timespec="milliseconds"),
        "method": method,
        "path": path,
        "operationId": operation_id,
        "httpStatus": http_status,
        "status": status,
        "msg": msg,
        "latencyMs": round(latency_ms, 3),
        "fault": fault,
        "worker": worker,
        "user": user,
        "answer": answer,
        "request": {
            "headers": {"Authorization": authorization, "Content-Type": content_type},
            "body": redact_body(body) if isinstance(body, bytes) else body,
        },
    }


def _sanitised(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with lone surrogates a client sent (and was refused for) turned into "?"."""
    text = json.dumps(document, ensure_ascii=False).encode("utf-8", errors="replace")
    result: dict[str, Any] = json.loads(text)
    return result


def redact_authorization(value: str | None) -> str | None:
    """Keep the scheme, hide the credentials."""
    if value is None:
        return None
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {REDACTED}" if rest else REDACTED


def redact_body(raw: bytes) -> str:
    """The request body as sent (first KiB, as text), passwords hidden.

    A JSON body is judged after decoding, so no escape (`"pass\\u0077ord"`) or nesting hides a
    password key from the redaction; only a body that does not parse falls back to patterns on text.
    """
    lowered = raw.lower()
    if b"\\" in raw or b"password" in lowered:
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError):
            pass
        else:
            redacted, found = _redact_passwords(document)
            if not found:
                return _preview(raw)
            text = json.dumps(redacted, ensure_ascii=False)
            return text[:_BODY_PREVIEW] + ("…" if len(text) > _BODY_PREVIEW else "")
    text = raw[:_BODY_PREVIEW].decode("utf-8", errors="replace")
    if b"assword" in lowered:
        text = _PASSWORD_IN_TEXT.sub(rf'\1"{REDACTED}"', text)
        text = _PASSWORD_IN_FORM.sub(rf"\1{REDACTED}", text)
        # A body cut inside a password, or one that is not JSON: hide everything after the key.
        text = _PASSWORD_TAIL.sub(rf"\1{REDACTED}", text)
    return text + ("…" if len(raw) > _BODY_PREVIEW else "")


def _preview(raw: bytes) -> str:
    text = raw[:_BODY_PREVIEW].decode("utf-8", errors="replace")
    return text + ("…" if len(raw) > _BODY_PREVIEW else "")


def _redact_passwords(value: Any) -> tuple[Any, bool]:
    """`value` with every `password` key's value (any case, any depth) hidden, and whether one was."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        found = False
        for key, item in value.items():
            if key.lower() == "password":
                out[key], found = REDACTED, True
            else:
                out[key], inner = _redact_passwords(item)
                found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_redact_passwords(item) for item in value]
        return [item for item, _ in items], any(inner for _, inner in items)
    return value, False
