"""The request journal: the recent HIS calls with their outcome, in the database, secrets redacted.

Every host and worker appends its calls to the `journal` table, so `/__admin/requests` on any host
lists the calls of all of them. Each entry is bounded before it is stored: every text field has a
length limit, and a field that was cut ends in "…" and is named in the entry's `truncated` list, so a
60 KB field is one short row like any other. Passwords are redacted and the bearer token is kept
only as a short fingerprint (a hash) before anything is written. The table keeps about the newest
`capacity` rows: older ones are pruned as new ones arrive.

A journal that cannot be written (a full disk, a database gone) is logged and otherwise ignored:
it never changes the answer of an HIS call, and a committed settlement still answers its receipt.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from mock_server.database import Database, process_id
from mock_server.faults import Fault
from mock_server.schema import journal_table

log = logging.getLogger("his_mock")

REDACTED = "***"
CUT = "…"
DEFAULT_CAPACITY = 500
# Characters kept of each field; what is longer is cut and named in `truncated`.
LIMITS = {
    "path": 512,
    "msg": 1024,
    "userId": 128,
    "contentType": 256,
    "body": 4096,
}
_SCHEME_LIMIT = 32
FINGERPRINT_LENGTH = 12
# Prune once every this many appends (the table holds at most capacity + this many rows).
_PRUNE_EVERY = 32
_PASSWORD_IN_TEXT = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
_PASSWORD_IN_FORM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)
_PASSWORD_TAIL = re.compile(r'("password"\s*:)(?!\s*"\*\*\*").*', re.IGNORECASE | re.DOTALL)


@dataclass(slots=True, frozen=True)
class Entry:
    """One HIS call as the API layer reports it to the journal (raw: `Journal.append` bounds it)."""

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
    user_id: str | None = None
    fault: Fault | None = None
    # A few facts of a status-0 answer (a fetched bill's BILLID and GRZFJE3) for the client report.
    answer: Mapping[str, str] | None = None
    time_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)


class Journal:
    """The newest calls of every host and worker, in the database."""

    def __init__(
        self, database: Database, *, capacity: int = DEFAULT_CAPACITY, host: str | None = None
    ) -> None:
        self.capacity = capacity
        self.host = (host or socket.gethostname())[:255]
        self._engine = database.journal_engine
        values: dict[str, Any] = {
            column.name: bindparam(column.name) for column in journal_table.c if column.name != "id"
        }
        self._insert = database.statement(
            insert(journal_table).values(values).returning(journal_table.c.id), journal=True
        )
        self._prune = database.statement(
            delete(journal_table).where(journal_table.c.id <= bindparam("cut")), journal=True
        )

    def append(self, entry: Entry) -> int | None:
        """Store one call, bounded and redacted; its id, or None when the journal could not be written."""
        try:
            row = journal_row(entry, host=self.host)
            rows = self._insert.execute(**row)
            entry_id = int(rows[0][0])
            if entry_id % _PRUNE_EVERY == 0:
                self._prune.execute(cut=entry_id - self.capacity)
            return entry_id
        except Exception:  # never let the journal change an HIS answer
            log.exception("the journal could not record %s %s", entry.method, entry.path[:200])
            return None

    def entries(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded calls, newest first (at most `capacity`)."""
        count = self.capacity if limit is None else min(limit, self.capacity)
        if count <= 0:
            return []
        with self._engine.connect() as conn:
            rows = conn.execute(select(journal_table).order_by(journal_table.c.id.desc()).limit(count)).all()
        return [entry_document(row._mapping) for row in rows]

    def clear(self, conn: Connection | None = None) -> None:
        """Forget every entry (within the caller's transaction, when given)."""
        if conn is not None:
            conn.execute(delete(journal_table))
            return
        with self._engine.begin() as own:
            own.execute(delete(journal_table))


def journal_row(entry: Entry, *, host: str) -> dict[str, Any]:
    """The table row of `entry`: every text made storable (no NUL, no lone surrogate) and bounded."""
    cut: list[str] = []

    def bounded(name: str, value: str | None) -> str | None:
        if value is None:
            return None
        text, was_cut = bound_text(value, LIMITS[name])
        if was_cut:
            cut.append(name)
        return text

    body, body_cut = redact_body(entry.body, limit=LIMITS["body"])
    if body_cut:
        cut.append("body")
    fault = entry.fault
    return {
        "time_ms": entry.time_ms,
        "host": host,
        "worker": process_id(),
        "operation": entry.operation_id,
        "method": storable(entry.method)[:16],
        "path": bounded("path", entry.path),
        "http_status": entry.http_status,
        "status": entry.status,
        "msg": bounded("msg", entry.msg),
        "latency_ms": round(entry.latency_ms, 3),
        "authorization_scheme": redact_authorization(entry.authorization),
        "token_fingerprint": token_fingerprint(entry.authorization),
        "user_id": bounded("userId", entry.user_id),
        "content_type": bounded("contentType", entry.content_type),
        "body": body,
        "body_bytes": len(entry.body),
        "truncated": ",".join(cut),
        "fault_kind": None if fault is None else fault.kind,
        "fault_applied": None if fault is None else fault.when,
        "fault_status": None if fault is None else fault.status,
        "fault_delay_ms": None if fault is None else fault.delay_ms,
        "fault_scenario": None if fault is None else fault.scenario,
        "answer": None if not entry.answer else json.dumps(dict(entry.answer)),
    }


def entry_document(row: Any) -> dict[str, Any]:
    """One journal entry as `/__admin/requests` shows it (`schema.journal_table` row -> JSON)."""
    fault = None
    if row["fault_kind"] is not None:
        fault = {
            "kind": row["fault_kind"],
            "when": row["fault_applied"],
            "status": row["fault_status"],
            "delayMs": row["fault_delay_ms"],
            "scenario": row["fault_scenario"],
        }
    time_ms = int(row["time_ms"])
    return {
        "id": int(row["id"]),
        "time": datetime.fromtimestamp(time_ms / 1000).isoformat(timespec="milliseconds"),
        "timeMs": time_ms,
        "host": row["host"],
        "worker": row["worker"],
        "method": row["method"],
        "path": row["path"],
        "operationId": row["operation"],
        "httpStatus": row["http_status"],
        "status": row["status"],
        "msg": row["msg"],
        "latencyMs": row["latency_ms"],
        "tokenFingerprint": row["token_fingerprint"],
        "userId": row["user_id"],
        "fault": fault,
        "answer": None if row["answer"] is None else json.loads(row["answer"]),
        "truncated": [name for name in row["truncated"].split(",") if name],
        "request": {
            "headers": {"Authorization": row["authorization_scheme"], "Content-Type": row["content_type"]},
            "body": row["body"],
            "bodyBytes": row["body_bytes"],
        },
    }


def storable(text: str) -> str:
    """`text` as every database stores it: lone surrogates become "?", NUL becomes U+FFFD."""
    if text.isascii():  # no surrogate in it: the common case costs one scan
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    return text.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "\ufffd")


def bound_text(text: str, limit: int) -> tuple[str, bool]:
    """Storable `text` of at most `limit` characters (the last one "…" when cut), and whether it was cut."""
    text = storable(text)
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + CUT, True


@functools.lru_cache(maxsize=1024)
def token_fingerprint(authorization: str | None) -> str | None:
    """A short hash of the credentials in an Authorization header: the same token, the same value.

    Never the token itself: 12 hex digits of SHA-256 tell calls with one token from calls with
    another without giving away anything a client could sign in with.
    """
    if not authorization:
        return None
    _scheme, _, credentials = authorization.partition(" ")
    secret = credentials or authorization
    return hashlib.sha256(secret.encode("utf-8", errors="replace")).hexdigest()[:FINGERPRINT_LENGTH]


def redact_authorization(value: str | None) -> str | None:
    """Keep the scheme, hide the credentials."""
    if value is None:
        return None
    scheme, _, rest = value.partition(" ")
    scheme = storable(scheme)[:_SCHEME_LIMIT]
    return f"{scheme} {REDACTED}" if rest else REDACTED


def redact_body(raw: bytes, *, limit: int = LIMITS["body"]) -> tuple[str, bool]:
    """The request body as sent (as text, at most `limit` characters), passwords hidden; whether cut.

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
            if found:
                return bound_text(json.dumps(redacted, ensure_ascii=False), limit)
            return _preview(raw, limit)
    if b"assword" not in lowered:
        return _preview(raw, limit)
    # Patterns on the whole text first, then the cut: a cut must never split a password from its key.
    text = raw.decode("utf-8", errors="replace")
    text = _PASSWORD_IN_TEXT.sub(rf'\1"{REDACTED}"', text)
    text = _PASSWORD_IN_FORM.sub(rf"\1{REDACTED}", text)
    # A body that ends inside a password, or one that is not JSON: hide everything after the key.
    text = _PASSWORD_TAIL.sub(rf"\1{REDACTED}", text)
    return bound_text(text, limit)


def _preview(raw: bytes, limit: int) -> tuple[str, bool]:
    """The body as text, without decoding more than `limit` characters can take (a 200 MB body costs
    no more than a short one)."""
    head = raw[: limit * 4]
    text = storable(head.decode("utf-8", errors="replace"))
    if len(raw) > len(head) or len(text) > limit:
        return text[: limit - 1] + CUT, True
    return text, False


def _redact_passwords(value: Any, depth: int = 0) -> tuple[Any, bool]:
    """`value` with every `password` key's value (any case, any depth) hidden, and whether one was."""
    if depth > 200:
        return REDACTED, True  # deeper than any parser here accepts: hide it rather than walk it
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        found = False
        for key, item in value.items():
            if key.lower() == "password":
                out[key], found = REDACTED, True
            else:
                out[key], inner = _redact_passwords(item, depth + 1)
                found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_redact_passwords(item, depth + 1) for item in value]
        return [item for item, _ in items], any(inner for _, inner in items)
    return value, False
