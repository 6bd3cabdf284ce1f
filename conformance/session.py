"""A run's shared state and its one way to call an operation: send with an intent, judge, record.

Probes, flows and the fuzzer all call `Session.call` with the request's declared intent; the
session reads the answer once and runs every applicable check of the registry once on the
exchange (`conformance.registry.judge_exchange`). Requests sent together (a race) are judged
as a group as well with `Session.judge_group`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.answer import Answer, read_answer
from conformance.contract import Contract
from conformance.http import Exchange, Transport, json_body
from conformance.intents import Intent
from conformance.profiles import Profile
from conformance.registry import judge_exchange, judge_group
from conformance.results import Recorder
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
    findings_seen: int = field(default=0)

    def call(
        self,
        operation_id: str,
        body: Any = None,
        *,
        intent: Intent,
        raw_body: bytes | None = None,
        authorization: object = SESSION_TOKEN,
        content_type: str | None = "application/json",
    ) -> tuple[Exchange, Answer]:
        """Send one request to a documented operation; judge and record the response."""
        exchange = self.send(
            operation_id,
            body,
            raw_body=raw_body,
            authorization=authorization,
            content_type=content_type,
            purpose=intent.describe(),
        )
        return exchange, self.judge(exchange, intent)

    def send(
        self,
        operation_id: str,
        body: Any = None,
        *,
        raw_body: bytes | None = None,
        authorization: object = SESSION_TOKEN,
        content_type: str | None = "application/json",
        purpose: str = "",
    ) -> Exchange:
        """Send one request without judging it (for a group sent together, judged by `judge_group`)."""
        operation = self.contract.operation(operation_id)
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        auth = self._authorization(authorization) if operation.protected else None
        if auth is not None:
            headers["Authorization"] = auth
        payload = raw_body if raw_body is not None else (None if body is None else json_body(body))
        return self.transport.send(
            operation_id, operation.path, headers=headers, body=payload, purpose=purpose
        )

    def judge(self, exchange: Exchange, intent: Intent) -> Answer:
        """Run every applicable check once on `exchange`; returns the answer as the checks read it."""
        answer = read_answer(exchange, self.contract, self.profile)
        judgements = judge_exchange(self.contract, self.profile, exchange, answer, intent)
        self.findings_seen += len(self.recorder.record(judgements))
        return answer

    def judge_group(self, exchanges: Sequence[Exchange], intent: Intent) -> list[Answer]:
        """Judge each exchange of a group on its own, then the group checks on all of them together."""
        answers = [self.judge(exchange, intent) for exchange in exchanges]
        judgements = judge_group(self.contract, self.profile, exchanges, answers, intent)
        self.findings_seen += len(self.recorder.record(judgements))
        return answers

    def _authorization(self, authorization: object) -> str | None:
        if authorization is SESSION_TOKEN:
            return f"Bearer {self.token}" if self.token else None
        if authorization is None or isinstance(authorization, str):
            return authorization
        raise TypeError(f"authorization must be a string, None or SESSION_TOKEN, not {authorization!r}")
