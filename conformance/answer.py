"""How a response reads under a profile: an envelope, or one of the HTTP-level answers lenient accepts.

`read_answer` runs once per exchange (the session does it) and never raises, whatever the
server sent; every check then reads the same `Answer`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conformance.contract import Contract
from conformance.http import PROBLEM_TEXT, Exchange, HttpResponse, Problem
from conformance.profiles import Profile

_NUMERIC = re.compile(r"^[0-9]+$")


class AnswerKind(StrEnum):
    ENVELOPE = "envelope"
    HTTP_AUTH_FAILURE = "http 401"  # lenient: an auth failure as HTTP 401, with or without envelope
    HTTP_INVALID_INPUT = "http 400 problem"  # lenient: invalid input as a 400 ProblemDetails
    NOT_AN_ENVELOPE = "not an envelope"
    NO_RESPONSE = "no response"


@dataclass(slots=True, frozen=True)
class Envelope:
    """The decoded envelope; `status` is None when it cannot be read as a catalogue integer."""

    document: Mapping[str, Any]
    status: int | None

    @property
    def response(self) -> Any:
        return self.document.get("response")


@dataclass(slots=True, frozen=True)
class Answer:
    """How a response reads under a profile."""

    kind: AnswerKind
    envelope: Envelope | None
    summary: str  # what came back, in a few words, for a finding's "received"
    http_status: int | None = None  # None: no response at all

    @property
    def status(self) -> int | None:
        return self.envelope.status if self.envelope is not None else None

    @property
    def succeeded(self) -> bool:
        return self.kind is AnswerKind.ENVELOPE and self.status == 0

    @property
    def server_error(self) -> bool:
        """An HTTP 5xx, whatever its body says."""
        return self.http_status is not None and self.http_status >= 500

    @property
    def refused(self) -> bool:
        """A well-formed refusal: a non-zero envelope status, or an HTTP-level refusal the profile accepts."""
        if self.kind in (AnswerKind.HTTP_AUTH_FAILURE, AnswerKind.HTTP_INVALID_INPUT):
            return self.status != 0
        return self.kind is AnswerKind.ENVELOPE and self.status not in (None, 0)

    @property
    def payload(self) -> Any:
        """The envelope's `response` (None without an envelope)."""
        return self.envelope.response if self.envelope is not None else None

    def field(self, name: str) -> Any:
        """A field of the payload, when the payload is an object."""
        payload = self.payload
        return payload.get(name) if isinstance(payload, Mapping) else None


NO_ANSWER = Answer(AnswerKind.NO_RESPONSE, None, PROBLEM_TEXT[Problem.CONNECTION])


def read_answer(exchange: Exchange, contract: Contract, profile: Profile) -> Answer:
    """Interpret the response of `exchange` (never raises, whatever the server sent)."""
    response = exchange.response
    if response is None or exchange.problem is not None:
        problem = exchange.problem or Problem.CONNECTION
        status = response.status if response is not None else None
        return Answer(AnswerKind.NO_RESPONSE, None, PROBLEM_TEXT[problem], status)
    envelope = _decode_envelope(response.body, profile, contract.spec.status_codes)
    summary = _summary(response, envelope)
    if response.status == 401 and profile.accepts_http_401_auth_failure:
        return Answer(AnswerKind.HTTP_AUTH_FAILURE, envelope, summary, 401)
    if (
        response.status == 400
        and response.media_type == "application/problem+json"
        and profile.accepts_problem_json_invalid_input
    ):
        return Answer(AnswerKind.HTTP_INVALID_INPUT, None, _summary(response, None), 400)
    if envelope is None:
        return Answer(AnswerKind.NOT_AN_ENVELOPE, None, summary, response.status)
    return Answer(AnswerKind.ENVELOPE, envelope, summary, response.status)


def _decode_envelope(body: bytes, profile: Profile, catalogue: frozenset[int]) -> Envelope | None:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or "status" not in document:
        return None
    return Envelope(document, _status(document.get("status"), profile, catalogue))


def _status(raw: object, profile: Profile, catalogue: frozenset[int]) -> int | None:
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and profile.accepts_numeric_string_status and _NUMERIC.match(raw):
        value = int(raw)
    if value is None or value not in catalogue:
        return None
    return value


def _summary(response: HttpResponse, envelope: Envelope | None) -> str:
    head = f"HTTP {response.status}, {response.media_type or 'no Content-Type'}"
    if envelope is not None:
        document = envelope.document
        msg = document.get("msg")
        text = f"{head}, status {json.dumps(document.get('status'), ensure_ascii=False)}"
        if isinstance(msg, str) and msg:
            text += f", msg {json.dumps(msg[:120], ensure_ascii=False)}"
        return text
    if not response.body:
        return f"{head}, empty body"
    snippet = response.body[:120].decode("utf-8", errors="replace").replace("\n", " ")
    return f"{head}, body {json.dumps(snippet, ensure_ascii=False)}"
