"""A finding: one rule a deployment broke on one exchange (schemathesis `core/failures.py` in spirit).

A check returns a `Finding` with the raw exchange; the `Recorder` redacts it once, when the
run ends and every secret is known (`Finding.redacted`), and from then on only the redacted
`ShownExchange` exists: no report ever sees the raw one. `key` (rule, operation, kind of
breakage) groups identical findings, so five copies of one defect are counted together and
never hide a different one.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from conformance.escape import visible
from conformance.http import Exchange
from conformance.redact import Redactor
from his_contract import Basis, Severity

_BODY_PREVIEW = 2000


@dataclass(slots=True, frozen=True)
class ShownExchange:
    """The request and response of a finding as reports show them: redacted, bodies cut to a preview."""

    operation_id: str
    purpose: str
    request_line: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str
    response_line: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str
    curl: str

    @classmethod
    def of(cls, exchange: Exchange, redact: Redactor) -> ShownExchange:
        request, response = exchange.request, exchange.response
        if response is None:
            response_line = f"(no response: {exchange.problem_text})" if exchange.problem else ""
            response_headers: list[tuple[str, str]] = []
            # What arrived of an answer that never became a response (a trickled head, garbage).
            response_body = redact.preview(exchange.partial, _BODY_PREVIEW) if exchange.partial else ""
        else:
            response_line = f"HTTP {response.status} {response.reason}".rstrip()
            if exchange.problem is not None:
                response_line += f" ({exchange.problem_text})"
            response_headers = redact.headers(response.headers)
            response_body = redact.preview(response.body, _BODY_PREVIEW)
        return cls(
            operation_id=exchange.operation_id,
            purpose=printable(redact.text(exchange.purpose)),
            request_line=printable(f"{request.method} {redact.text(request.url)}"),
            request_headers=_printable_pairs(redact.headers(request.headers)),
            request_body=printable(redact.preview(request.body, _BODY_PREVIEW)),
            response_line=printable(redact.text(response_line)),
            response_headers=_printable_pairs(response_headers),
            response_body=printable(response_body),
            curl=printable(redact.curl(request)),
        )


@dataclass(slots=True, frozen=True)
class Finding:
    """A rule broken on one exchange: what the rule expects, what came back, and why it matters."""

    rule_id: str
    basis: Basis
    severity: Severity
    title: str  # the rule's title (x-his-rules)
    expected: str
    received: str
    kind: str  # the kind of breakage, e.g. "content-type", "status-not-5", "response.SumFund: type"
    operation_id: str
    exchange: Exchange | None  # the raw exchange until the run ends; None once redacted
    shown: ShownExchange | None = None  # the redacted exchange, for reports
    side: str = "server"  # whose behaviour it is about: "server", or "client" (the CLI-* rules)

    @property
    def key(self) -> tuple[str, str, str]:
        """Findings with the same key are copies of one defect."""
        return (self.rule_id, self.operation_id, self.kind)

    @property
    def document(self) -> bool:
        return self.basis is Basis.DOCUMENT

    @property
    def view(self) -> ShownExchange:
        """The redacted exchange (only after the `Recorder` has finished the run)."""
        if self.shown is None:
            raise RuntimeError("a finding is shown only after redaction (Recorder.finish)")
        return self.shown

    def redacted(self, redact: Redactor) -> Finding:
        """This finding with its texts and exchange redacted, and the raw exchange dropped."""
        return dataclasses.replace(
            self,
            expected=printable(redact.text(self.expected)),
            received=printable(redact.text(self.received)),
            exchange=None,
            shown=ShownExchange.of(self.exchange, redact) if self.exchange is not None else self.shown,
        )

    def without_exchange(self) -> Finding:
        """A copy that keeps what was found but not the exchange (an identical finding beyond the
        first few: its request and response are those of the first ones)."""
        return dataclasses.replace(self, exchange=None, shown=None)

    def as_dict(self) -> dict[str, object]:
        if self.shown is None:
            return {**self._facts(), "request": None, "response": None, "curl": None}
        view = self.shown
        return {
            **self._facts(),
            "purpose": view.purpose,
            "request": {
                "line": view.request_line,
                "headers": dict(view.request_headers),
                "body": view.request_body,
            },
            "response": {
                "line": view.response_line,
                "headers": dict(view.response_headers),
                "body": view.response_body,
            },
            "curl": view.curl,
        }

    def _facts(self) -> dict[str, object]:
        return {
            "rule": self.rule_id,
            "side": self.side,
            "basis": self.basis.value,
            "severity": self.severity.value,
            "kind": self.kind,
            "title": self.title,
            "expected": self.expected,
            "received": self.received,
            "operation": self.operation_id,
        }


def distinct(findings: list[Finding]) -> list[tuple[Finding, int]]:
    """Each distinct finding (the first of its key) with how many identical ones there were, in order."""
    first: dict[tuple[str, str, str], Finding] = {}
    counts: Counter[tuple[str, str, str]] = Counter()
    for finding in findings:
        first.setdefault(finding.key, finding)
        counts[finding.key] += 1
    return [(finding, counts[key]) for key, finding in first.items()]


def printable(text: str) -> str:
    """`text` as every report can show it: control characters, lone surrogates (a server echoing
    `"\\ud800"`) and bidirectional overrides as visible escapes (`conformance.escape.visible`)."""
    return visible(text)


def _printable_pairs(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((printable(name), printable(value)) for name, value in pairs)
