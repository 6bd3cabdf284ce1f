"""What a run found: per rule, how often it held, every finding, and why it was skipped.

A `Finding` is a fact about the API under test (the rule id, what the rule expects, what came
back, the request and a curl command that reproduces it), already redacted: nothing downstream
of the `Recorder` ever sees a secret.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from conformance.http import PROBLEM_TEXT, Exchange
from conformance.profiles import Profile
from conformance.redact import Redactor
from his_contract import Rule

# Fuzzing can break one rule on hundreds of responses; a report keeps the first few of each.
MAX_FINDINGS_PER_RULE = 5
_BODY_PREVIEW = 2000


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


@dataclass(slots=True, frozen=True)
class Verdict:
    """One judgement of one rule on one exchange, before redaction and bookkeeping."""

    rule_id: str
    passed: bool
    received: str = ""
    expected: str = ""  # empty: the rule's title from the spec's catalogue says it


@dataclass(slots=True, frozen=True)
class Finding:
    """A rule the deployment broke, with everything needed to see and reproduce it."""

    rule_id: str
    expected: str
    received: str
    operation_id: str
    purpose: str
    request_line: str
    request_headers: list[tuple[str, str]]
    request_body: str
    response_line: str
    response_headers: list[tuple[str, str]]
    response_body: str
    curl: str
    warning: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule_id,
            "severity": "warning" if self.warning else "failure",
            "expected": self.expected,
            "received": self.received,
            "operation": self.operation_id,
            "purpose": self.purpose,
            "request": {
                "line": self.request_line,
                "headers": dict(self.request_headers),
                "body": self.request_body,
            },
            "response": {
                "line": self.response_line,
                "headers": dict(self.response_headers),
                "body": self.response_body,
            },
            "curl": self.curl,
        }


@dataclass(slots=True)
class RuleResult:
    """Everything one rule saw during the run."""

    rule: Rule
    passed: int = 0
    failed: int = 0
    warned: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Failed verdicts with their raw exchanges, turned into redacted findings when the run ends.
    pending: list[tuple[Exchange, Verdict, bool]] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        if self.failed:
            return Outcome.FAILED
        if self.warned:
            return Outcome.WARNING
        if self.passed:
            return Outcome.PASSED
        return Outcome.SKIPPED

    @property
    def checks(self) -> int:
        return self.passed + self.failed + self.warned

    @property
    def skip_reason(self) -> str:
        return "; ".join(dict.fromkeys(self.skip_reasons)) or "no response exercised this rule"


@dataclass(slots=True)
class RunInfo:
    """The run's parameters, for the reports (no secrets)."""

    base_url: str
    profile: str
    seed: int
    max_examples: int
    timeout: float
    allow_settlement: bool
    mock: bool = False


@dataclass(slots=True)
class Recorder:
    """Collects verdicts into per-rule results, redacting as it goes."""

    rules: dict[str, Rule]
    profile: Profile
    redactor: Redactor
    info: RunInfo
    results: dict[str, RuleResult] = field(init=False)
    notes: list[str] = field(default_factory=list)
    requests_sent: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def __post_init__(self) -> None:
        self.results = {rule_id: RuleResult(rule) for rule_id, rule in self.rules.items()}

    def record(self, exchange: Exchange, verdicts: Iterable[Verdict]) -> list[Verdict]:
        """Count each verdict; turn each failed one into a redacted finding. Returns the failures."""
        failures = []
        for verdict in verdicts:
            result = self.results[verdict.rule_id]
            if verdict.passed:
                result.passed += 1
                continue
            failures.append(verdict)
            warning = self.profile.is_warning(verdict.rule_id)
            if warning:
                result.warned += 1
            else:
                result.failed += 1
            if len(result.pending) < MAX_FINDINGS_PER_RULE:
                result.pending.append((exchange, verdict, warning))
        return failures

    def skip(self, rule_ids: Iterable[str], reason: str) -> None:
        for rule_id in rule_ids:
            self.results[rule_id].skip_reasons.append(reason)

    def note(self, text: str) -> None:
        """A run-level remark for every report (budget spent, server stopped answering ...)."""
        if text not in self.notes:
            self.notes.append(text)

    def finish(self) -> None:
        """End the run: redact the findings now that every secret (the login's token too) is known."""
        self.finished = time.monotonic()
        for result in self.results.values():
            result.findings = [self._finding(*pending) for pending in result.pending]

    @property
    def duration(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def failed(self) -> bool:
        return any(result.outcome is Outcome.FAILED for result in self.results.values())

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def _finding(self, exchange: Exchange, verdict: Verdict, warning: bool) -> Finding:
        redact = self.redactor
        request = exchange.request
        response = exchange.response
        if response is None:
            response_line = f"(no response: {PROBLEM_TEXT[exchange.problem]})" if exchange.problem else ""
            response_headers: list[tuple[str, str]] = []
            response_body = ""
        else:
            response_line = f"HTTP {response.status} {response.reason}".rstrip()
            if exchange.problem is not None:
                response_line += f" ({PROBLEM_TEXT[exchange.problem]})"
            response_headers = redact.headers(response.headers)
            response_body = _preview(redact.body(response.body))
        return Finding(
            rule_id=verdict.rule_id,
            expected=verdict.expected or self.rules[verdict.rule_id].title,
            received=redact.text(verdict.received),
            operation_id=exchange.operation_id,
            purpose=exchange.purpose,
            request_line=f"{request.method} {redact.text(request.url)}",
            request_headers=redact.headers(request.headers),
            request_body=_preview(redact.body(request.body)),
            response_line=response_line,
            response_headers=response_headers,
            response_body=response_body,
            curl=redact.curl(request),
            warning=warning,
        )


def _preview(text: str) -> str:
    if len(text) <= _BODY_PREVIEW:
        return text
    return text[:_BODY_PREVIEW] + f"… ({len(text) - _BODY_PREVIEW} more characters)"
