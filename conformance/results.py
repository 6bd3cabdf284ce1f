"""What a run found: per rule, how often it held, every finding, and why it was skipped.

The `Recorder` receives the judgements of the registry (`conformance.registry.Judgement`) and
keeps every finding with its raw exchange until `finish`, which redacts each one once, when
every secret (the login's token too) is known: nothing downstream ever sees a secret. Reports
show each distinct finding once, with the count of identical ones; the JSON keeps them all.

The verdict: exit 1 only for document findings; advice too with `fail_on=Basis.ADVICE`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from conformance.findings import Finding, distinct
from conformance.profiles import Profile
from conformance.redact import Redactor
from conformance.registry import Judgement
from his_contract import Basis, Rule

# Identical findings (same rule, operation, kind) beyond this many keep no exchange: fuzzing can
# break one rule on hundreds of 4 MiB answers, and the first few show the defect as well as all.
EXCHANGES_PER_KEY = 5


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a document finding
    ADVICE = "advice"  # advice findings only: the kit's reading beyond the document
    SKIPPED = "skipped"


@dataclass(slots=True)
class RuleResult:
    """Everything one rule saw during the run."""

    rule: Rule
    passed: int = 0
    findings: list[Finding] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Document findings."""
        return sum(1 for finding in self.findings if finding.document)

    @property
    def advised(self) -> int:
        """Advice findings."""
        return len(self.findings) - self.failed

    @property
    def outcome(self) -> Outcome:
        if self.failed:
            return Outcome.FAILED
        if self.advised:
            return Outcome.ADVICE
        if self.passed:
            return Outcome.PASSED
        return Outcome.SKIPPED

    @property
    def checks(self) -> int:
        return self.passed + len(self.findings)

    @property
    def skip_reason(self) -> str:
        return "; ".join(dict.fromkeys(self.skip_reasons)) or "no response exercised this rule"

    def distinct(self, basis: Basis) -> list[tuple[Finding, int]]:
        """The distinct findings of one basis, each with how many identical ones there were."""
        return distinct([finding for finding in self.findings if finding.basis is basis])


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
    fail_on: Basis = Basis.DOCUMENT


@dataclass(slots=True)
class Recorder:
    """Collects judgements into per-rule results; redacts every finding once, at the end."""

    rules: dict[str, Rule]
    profile: Profile
    redactor: Redactor
    info: RunInfo
    results: dict[str, RuleResult] = field(init=False)
    notes: list[str] = field(default_factory=list)
    requests_sent: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    _kept: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.results = {rule_id: RuleResult(rule) for rule_id, rule in self.rules.items()}

    def record(self, judgements: Iterable[Judgement]) -> list[Finding]:
        """Count each judgement; keep each finding. Returns the findings."""
        findings = []
        for judgement in judgements:
            result = self.results[judgement.rule_id]
            finding = judgement.finding
            if finding is None:
                result.passed += 1
                continue
            self._kept[finding.key] += 1
            if self._kept[finding.key] > EXCHANGES_PER_KEY:
                finding = finding.without_exchange()
            result.findings.append(finding)
            findings.append(finding)
        return findings

    def skip(self, rule_ids: Iterable[str], reason: str) -> None:
        for rule_id in rule_ids:
            self.results[rule_id].skip_reasons.append(reason)

    def skip_group(self, group: str, reason: str) -> None:
        """Skip every rule of a group of `x-his-rules` (e.g. settlement in a read-only run)."""
        self.skip([rule.id for rule in self.rules.values() if rule.group == group], reason)

    def note(self, text: str) -> None:
        """A run-level remark for every report (budget spent, server stopped answering ...)."""
        if text not in self.notes:
            self.notes.append(text)

    def finish(self) -> None:
        """End the run: redact the findings now that every secret (the login's token too) is known."""
        self.finished = time.monotonic()
        for result in self.results.values():
            result.findings = [finding.redacted(self.redactor) for finding in result.findings]

    @property
    def duration(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def failing(self, result: RuleResult) -> bool:
        """Whether this rule's result fails the run (advice only with --fail-on advice)."""
        if result.outcome is Outcome.FAILED:
            return True
        return result.outcome is Outcome.ADVICE and self.info.fail_on is Basis.ADVICE

    @property
    def failed(self) -> bool:
        return any(self.failing(result) for result in self.results.values())

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    @property
    def advice_findings(self) -> int:
        return sum(result.advised for result in self.results.values())
