"""A run's shared state and its one way to call an operation: send, judge every response, record.

Probes, flows and the fuzzer all call `Session.call`, so every response of every phase is held
to the rules every response must keep (ENV-*, SCH-*, SEM-*, TRN-1) in one place; the caller then
adds the verdicts only it can give (INP-1 for a malformed body, AUTH-3 for a forged token ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import Contract
from conformance.http import Exchange, Transport, json_body
from conformance.profiles import Profile
from conformance.race import DEFAULT_RACE
from conformance.results import Recorder, Verdict
from conformance.rules import Answer, judge, read_answer
from conformance.target import Target

# Sentinel: "send the session's token", as opposed to None (no Authorization header at all).
SESSION_TOKEN = object()


@dataclass(slots=True)
class Session:
    """Everything a phase needs to talk to the deployment and record what it saw."""

    contract: Contract
    profile: Profile
    transport: Transport
    recorder: Recorder
    target: Target
    progress: Callable[[str], None] = print
    token: str | None = None
    # SET-7: how many settlements are sent at once (--race).
    race_size: int = DEFAULT_RACE
    # AUTH-6: the vendor's own keys to forge tokens with (--jwt-key-list), besides the built-in list.
    jwt_keys: tuple[str, ...] = ()
    findings_seen: int = field(default=0)

    def call(
        self,
        operation_id: str,
        body: Any = None,
        *,
        raw_body: bytes | None = None,
        authorization: object = SESSION_TOKEN,
        content_type: str | None = "application/json",
        purpose: str = "",
    ) -> tuple[Exchange, Answer]:
        """Send one request to a documented operation; judge and record the response."""
        path, headers, payload = self.request_parts(
            operation_id, body, raw_body=raw_body, authorization=authorization, content_type=content_type
        )
        exchange = self.transport.send(operation_id, path, headers=headers, body=payload, purpose=purpose)
        return exchange, self.receive(exchange)

    def request_parts(
        self,
        operation_id: str,
        body: Any = None,
        *,
        raw_body: bytes | None = None,
        authorization: object = SESSION_TOKEN,
        content_type: str | None = "application/json",
    ) -> tuple[str, dict[str, str], bytes | None]:
        """The path, headers and body bytes of a request to a documented operation."""
        operation = self.contract.operation(operation_id)
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        auth = self._authorization(authorization) if operation.protected else None
        if auth is not None:
            headers["Authorization"] = auth
        payload = raw_body if raw_body is not None else (None if body is None else json_body(body))
        return operation.path, headers, payload

    def receive(self, exchange: Exchange) -> Answer:
        """Judge and record an exchange sent elsewhere (SET-7's race) as `call` does its own."""
        answer = read_answer(exchange, self.contract, self.profile)
        self.record(exchange, judge(exchange, answer, self.contract, self.profile))
        return answer

    def record(self, exchange: Exchange, verdicts: Iterable[Verdict | None]) -> None:
        failures = self.recorder.record(exchange, [v for v in verdicts if v is not None])
        self.findings_seen += len(failures)

    def _authorization(self, authorization: object) -> str | None:
        if authorization is SESSION_TOKEN:
            return f"Bearer {self.token}" if self.token else None
        if authorization is None or isinstance(authorization, str):
            return authorization
        raise TypeError(f"authorization must be a string, None or SESSION_TOKEN, not {authorization!r}")
