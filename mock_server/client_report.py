"""The verdict on the client: the client rules (CLI-1..6) over the journal, as JSON, JUnit XML or HTML.

`/__admin/report` builds a `ClientReport` from the journal's calls (`his_contract.client_rules`) and
renders it here. Everything a client sent can appear in a finding's message, so every renderer escapes:
HTML-escaped text, and only characters XML 1.0 allows in the JUnit file (`his_contract.escaping`).
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from his_contract.client_rules import BILL, Call, ClientFinding, answer_injected, judge_client, verdict
from his_contract.escaping import html_text, xml_text
from his_contract.report_style import REPORT_STYLE
from his_contract.spec import Basis, Rule, Spec

FORMATS = ("json", "junit", "html")
# A bill's top-level BILLID and GRZFJE3 in the answer's JSON (no nested object has these keys).
_BILL_FACTS = {
    name: re.compile(rb'"' + name.encode() + rb'":\s*"((?:[^"\\]|\\.){0,128})"')
    for name in ("BILLID", "GRZFJE3")
}
_ALIAS = {"getUnpayBillByDoctorAlias": BILL}
# The document's requests are flat objects; a body nested deeper is judged by its answer only.
MAX_BODY_DEPTH = 64


@dataclass(slots=True, frozen=True)
class ClientReport:
    """What the mock saw of its clients and what they did wrong."""

    rules: Mapping[str, Rule]
    calls: Sequence[Call]
    findings: Sequence[ClientFinding]
    scenarios: Sequence[str] = ()

    @property
    def verdict(self) -> str:
        return verdict(self.findings)

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def rule_findings(self, rule_id: str) -> list[ClientFinding]:
        return [finding for finding in self.findings if finding.rule == rule_id]

    def outcome(self, rule_id: str) -> str:
        """ "failed" (a document finding), "advice" (advice only) or "passed"."""
        findings = self.rule_findings(rule_id)
        if any(f.basis is Basis.DOCUMENT for f in findings):
            return "failed"
        return "advice" if findings else "passed"


def answer_facts(operation: str, data: bytes) -> dict[str, str] | None:
    """What the client report needs of a status-0 answer (its body): a fetched bill's BILLID and GRZFJE3."""
    if operation != BILL:
        return None
    return dict(_bill_facts(data))


@functools.lru_cache(maxsize=256)
def _bill_facts(data: bytes) -> tuple[tuple[str, str], ...]:
    # Memoised: a client fetches the same few bills over and over, each answer the same bytes.
    facts = []
    for name, pattern in _BILL_FACTS.items():
        found = pattern.search(data)
        if found is not None:
            facts.append((name, json.loads(b'"' + found.group(1) + b'"')))
    return tuple(facts)


def calls_from_journal(entries: Iterable[Mapping[str, Any]]) -> list[Call]:
    """The journal's entries (as `/__admin/requests` lists them) as calls for the client rules."""
    calls = []
    for entry in entries:
        finished = _number(entry.get("timeMs")) / 1000
        started = finished - _number(entry.get("latencyMs")) / 1000
        fault = entry.get("fault")
        kind = fault.get("kind") if isinstance(fault, Mapping) else None
        request = entry.get("request")
        cut = "body" in (entry.get("truncated") or ())
        body = None if cut or not isinstance(request, Mapping) else _decoded(request.get("body"))
        operation = entry.get("operationId")
        answer = entry.get("answer")
        user = entry.get("userId")
        calls.append(
            Call(
                id=int(entry["id"]),
                started=started,
                finished=finished,
                operation=_ALIAS.get(operation, operation) if isinstance(operation, str) else None,
                body=body,
                user=user if isinstance(user, str) else None,
                answered=kind != "drop",
                http_status=entry.get("httpStatus"),
                status=entry.get("status"),
                msg=entry.get("msg"),
                injected=answer_injected(kind),
                answer=answer if isinstance(answer, Mapping) else {},
            )
        )
    return calls


def scenarios_seen(entries: Iterable[Mapping[str, Any]], pending: Iterable[str | None]) -> list[str]:
    """The scenarios whose faults fired in the journal or are still pending, in name order."""
    names = {name for name in pending if name}
    for entry in entries:
        fault = entry.get("fault")
        if isinstance(fault, Mapping) and isinstance(fault.get("scenario"), str):
            names.add(fault["scenario"])
    return sorted(names)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _decoded(body: object) -> Mapping[str, Any] | None:
    """The request body the journal shows, decoded; None when it is not a JSON object (or was cut, or
    nests deeper than any request the spec allows: the judge walks what it gets)."""
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or _deeper_than(document, MAX_BODY_DEPTH):
        return None
    return document


def _deeper_than(value: Any, limit: int) -> bool:
    """True when `value` nests more than `limit` containers deep (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def build_report(calls: Sequence[Call], spec: Spec, *, scenarios: Sequence[str] = ()) -> ClientReport:
    """Judge `calls` with the spec's client rules."""
    return ClientReport(spec.client_rules, calls, judge_client(calls, spec), tuple(scenarios))


def as_json(report: ClientReport) -> dict[str, Any]:
    """The report as `/__admin/report` answers it."""
    users = Counter(call.user for call in report.calls)
    by_user: dict[str, dict[str, Any]] = {}
    for user, count in sorted(users.items(), key=lambda item: str(item[0])):
        own = [f for f in report.findings if f.user == user]
        by_user[_user_key(user)] = {"calls": count, "findings": len(own), "verdict": verdict(own)}
    return {
        "verdict": report.verdict,
        "calls": len(report.calls),
        "findings": [{**finding.as_dict(), "side": "client"} for finding in report.findings],
        "summary": {
            "failures": sum(f.basis is Basis.DOCUMENT for f in report.findings),
            "advice": sum(f.basis is Basis.ADVICE for f in report.findings),
        },
        "rules": [
            {
                "id": rule.id,
                "title": rule.title,
                "basis": rule.basis,
                "outcome": report.outcome(rule.id),
                "findings": len(report.rule_findings(rule.id)),
            }
            for rule in report.rules.values()
        ],
        "by_user": by_user,
        "scenarios": list(report.scenarios),
    }


def as_junit(report: ClientReport) -> bytes:
    """JUnit XML: one test case per client rule; document findings fail it, advice goes to system-out."""
    failed = sum(report.outcome(rule_id) == "failed" for rule_id in report.rules)
    suite = ET.Element(
        "testsuite",
        name="his-mock client rules",
        tests=str(len(report.rules)),
        failures=str(failed),
        errors="0",
        skipped="0",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="calls", value=str(len(report.calls)))
    ET.SubElement(properties, "property", name="verdict", value=report.verdict)
    if report.scenarios:
        ET.SubElement(properties, "property", name="scenarios", value=xml_text(", ".join(report.scenarios)))
    for rule in report.rules.values():
        case = ET.SubElement(
            suite, "testcase", classname="his-mock.client", name=xml_text(f"{rule.id} {rule.title}"), time="0"
        )
        findings = report.rule_findings(rule.id)
        text = xml_text("\n\n".join(finding_text(f) for f in findings))
        if report.outcome(rule.id) == "failed":
            first = next(f for f in findings if f.basis is Basis.DOCUMENT)
            message = xml_text(f"{rule.id}: {first.message}")[:500]
            ET.SubElement(case, "failure", message=message, type=rule.id).text = text
        elif findings:
            ET.SubElement(case, "system-out").text = f"advice (not a failure):\n\n{text}"
    root = ET.Element("testsuites")
    root.append(suite)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def as_html(report: ClientReport) -> str:
    """A self-contained page (no scripts, no external assets), laid out like the suite's report."""
    passed = report.passed
    failures = sum(f.basis is Basis.DOCUMENT for f in report.findings)
    advice = len(report.findings) - failures
    line = (
        f"{'PASS' if passed else 'FAIL'}: {len(report.calls)} calls judged,"
        f" {failures} failure(s), {advice} advice"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>his-mock client report</title>",
        f"<style>{REPORT_STYLE}</style></head><body>",
        "<h1>his-mock: the client report</h1>",
        f'<div class="verdict {"pass" if passed else "fail"}">{html_text(line)}</div>',
    ]
    if report.scenarios:
        parts.append(f"<p>Scenarios armed: {html_text(', '.join(report.scenarios))}</p>")
    parts += ["<h2>Rules</h2>", "<table><tr><th>Rule</th><th>Outcome</th><th>Basis</th><th>Title</th></tr>"]
    for rule in report.rules.values():
        outcome = report.outcome(rule.id)
        parts.append(
            f'<tr><td><a href="#{html_text(rule.id)}">{html_text(rule.id)}</a></td>'
            f'<td><span class="badge {outcome}">{outcome}</span></td>'
            f"<td>{html_text(rule.basis or '')}</td><td>{html_text(rule.title)}</td></tr>"
        )
    parts.append("</table>")
    for rule in report.rules.values():
        findings = report.rule_findings(rule.id)
        if not findings:
            continue
        parts.append(f'<h2 id="{html_text(rule.id)}">{html_text(rule.id)}: {html_text(rule.title)}</h2>')
        for finding in findings:
            parts.append(
                f"<details open><summary>{html_text(finding.basis.value)}:"
                f" {html_text(finding.message)}</summary>"
                '<div class="label">Journal ids (GET /__admin/requests)</div>'
                f"<div>{html_text(journal_ids(finding))}</div>"
                f'<div class="label">User</div><div>{html_text(str(finding.user))}</div></details>'
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def finding_text(finding: ClientFinding) -> str:
    """One finding in plain text (console, JUnit)."""
    return f"{finding.rule} [{finding.basis.value}] {finding.message}\n  journal ids: {journal_ids(finding)}"


def journal_ids(finding: ClientFinding) -> str:
    """The journal ids a finding cites, and how many more it covers."""
    calls = ", ".join(str(call) for call in finding.calls)
    if finding.count > len(finding.calls):
        calls += f" (and {finding.count - len(finding.calls)} more)"
    return calls


def _user_key(user: str | None) -> str:
    return "(unknown)" if user is None else user
