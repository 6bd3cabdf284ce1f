"""The request journal: the recent HIS calls with their outcome, secrets redacted."""

from __future__ import annotations

import json
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


class Journal:
    """Keeps the last calls of every worker in shared memory."""

    def __init__(self, *, capacity: int = 500) -> None:
        self._ring = SharedRing(slots=capacity)

    def record(self, entry: Entry) -> None:
        document: dict[str, Any] = {
            "time": entry.time.isoformat(timespec="milliseconds"),
            "method": entry.method,
            "path": entry.path,
            "operationId": entry.operation_id,
            "httpStatus": entry.http_status,
            "status": entry.status,
            "msg": entry.msg,
            "latencyMs": round(entry.latency_ms, 3),
            "fault": entry.fault,
            "worker": os.getpid(),
            "request": {
                "headers": {
                    "Authorization": redact_authorization(entry.authorization),
                    "Content-Type": entry.content_type,
                },
                "body": redact_body(entry.body),
            },
        }
        record = json.dumps(document, ensure_ascii=False).encode()
        if not self._ring.fits(record):
            document["request"]["body"] = f"<{len(entry.body)} bytes, too long for the journal>"
            record = json.dumps(document, ensure_ascii=False).encode()
        self._ring.append(record)

    def entries(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded calls, newest first."""
        records = self._ring.records()
        records.reverse()
        if limit is not None:
            records = records[:limit]
        return [json.loads(record) for record in records]

    def clear(self) -> None:
        self._ring.clear()


def redact_authorization(value: str | None) -> str | None:
    """Keep the scheme, hide the credentials."""
    if value is None:
        return None
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {REDACTED}" if rest else REDACTED


def redact_body(raw: bytes) -> str:
    """The request body as sent (first KiB, as text), passwords hidden."""
    text = raw[:_BODY_PREVIEW].decode("utf-8", errors="replace")
    if "assword" in text or "ASSWORD" in text:
        text = _PASSWORD_IN_TEXT.sub(rf'\1"{REDACTED}"', text)
        text = _PASSWORD_IN_FORM.sub(rf"\1{REDACTED}", text)
        # A body cut inside a password, or one that is not JSON: hide everything after the key.
        text = _PASSWORD_TAIL.sub(rf"\1{REDACTED}", text)
    return text + ("…" if len(raw) > _BODY_PREVIEW else "")
