"""Reports of a run: the console summary, JUnit XML (one test case per rule), and JSON.

The HTML page lives in `conformance.html_report`. Every format reads the same redacted
`Recorder`, so none of them can leak a secret the others hide. Every format shows document
findings (failures) apart from advice (the kit's reading beyond the document), and each
distinct finding once with the count of identical ones; the JSON lists every finding.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.findings import Finding
from conformance.results import Outcome, Recorder, RuleResult
from his_contract import Basis

_MARK = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ADVICE: "ADVC", Outcome.SKIPPED: "SKIP"}
# A 4 KiB probe body makes a curl line of 4 KiB: text reports cut it, JSON and HTML keep it whole.
_CURL_LIMIT = 1000
ADVICE_HEADING = "Advice: the kit's reading beyond the document"


def advice_note(recorder: Recorder) -> str:
    """What advice means for this run's verdict."""
    if recorder.info.fail_on is Basis.ADVICE:
        return "--fail-on advice: advice fails the run"
    return "shown and counted, not a failure (--fail-on advice makes it one)"


def verdict_line(recorder: Recorder) -> str:
    counts = _counts(recorder)
    word = "NOT CONFORMANT" if recorder.failed else "CONFORMANT"
    return (
        f"{word}: {counts[Outcome.FAILED]} rule(s) failed,"
        f" {counts[Outcome.ADVICE]} with advice only ({recorder.advice_findings} advice finding(s)),"
        f" {counts[Outcome.PASSED]} passed, {counts[Outcome.SKIPPED]} skipped"
        f" ({recorder.requests_sent} requests in {recorder.duration:.1f} s)"
    )


def findings_text(result: RuleResult, basis: Basis) -> str:
    """The distinct findings of one rule and basis, numbered, identical ones counted."""
    return "\n".join(
        finding_text(finding, number, count)
        for number, (finding, count) in enumerate(result.distinct(basis), 1)
    )


def console_summary(recorder: Recorder) -> str:
    """The end-of-run summary: one line per rule grouped by group, then each finding in full."""
    lines = ["", f"Summary by rule (profile {recorder.info.profile}, seed {recorder.info.seed}):"]
    group = None
    for result in recorder.results.values():
        if result.rule.group != group:
            group = result.rule.group
            lines.append(f"  {group}")
        lines.append(f"    {_MARK[result.outcome]}  {result.rule.id:<7} {_detail(result)}")
    for result in recorder.results.values():
        if result.failed:
            lines.append("")
            lines.append(f"FAILED {result.rule.id}: {result.rule.title}")
            lines.extend("  " + line for line in findings_text(result, Basis.DOCUMENT).splitlines())
    advised = [result for result in recorder.results.values() if result.advised]
    if advised:
        lines += ["", f"{ADVICE_HEADING} ({advice_note(recorder)}):"]
        for result in advised:
            lines.append("")
            lines.append(f"ADVICE {result.rule.id}: {result.rule.title}")
            lines.extend("  " + line for line in findings_text(result, Basis.ADVICE).splitlines())
    for note in recorder.notes:
        lines.append(f"note: {note}")
    lines.append("")
    lines.append(verdict_line(recorder))
    return "\n".join(lines)


def finding_text(finding: Finding, number: int = 1, count: int = 1) -> str:
    """One finding as a person reads it: expectation, what came back, the request, how to reproduce."""
    view = finding.view
    head = f"#{number} {finding.operation_id}: {view.purpose}" if view.purpose else f"#{number}"
    if count > 1:
        head += f" ({count} identical findings: the same rule, operation and kind of breakage)"
    lines = [
        head,
        f"  Expected: {finding.expected}",
        f"  Received: {finding.received or view.response_line}",
        f"  Request:  {view.request_line}",
    ]
    if view.request_body:
        lines.append(f"            {_one_line(view.request_body, 200)}")
    lines.append(f"  Response: {view.response_line}")
    if view.response_body:
        lines.append(f"            {_one_line(view.response_body, 300)}")
    lines.append(f"  Reproduce: {_curl(view.curl)}")
    return "\n".join(lines)


def write_junit(recorder: Recorder, path: Path) -> None:
    """JUnit XML with one test case per rule; failures carry the findings, skips their reason."""
    counts = _counts(recorder)
    suite = ET.Element(
        "testsuite",
        name="his-conformance",
        tests=str(len(recorder.results)),
        failures=str(sum(1 for result in recorder.results.values() if recorder.failing(result))),
        errors="0",
        skipped=str(counts[Outcome.SKIPPED]),
        time=f"{recorder.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in _info(recorder).items():
        ET.SubElement(properties, "property", name=name, value=str(value))
    for result in recorder.results.values():
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"his-conformance.{result.rule.group}",
            name=f"{result.rule.id} {result.rule.title}",
            time="0",
        )
        failing = recorder.failing(result)
        if failing:
            basis = Basis.DOCUMENT if result.failed else Basis.ADVICE
            first = result.distinct(basis)[0][0]
            message = f"{result.rule.id}: {first.received or 'failed'}"
            failure = ET.SubElement(case, "failure", message=message[:500], type=result.rule.id)
            failure.text = findings_text(result, basis)
        elif result.outcome is Outcome.SKIPPED:
            ET.SubElement(case, "skipped", message=result.skip_reason)
        if result.advised and not (failing and not result.failed):
            advice = findings_text(result, Basis.ADVICE)
            ET.SubElement(
                case, "system-out"
            ).text = f"{ADVICE_HEADING} ({advice_note(recorder)}):\n\n{advice}"
    root = ET.Element("testsuites")
    root.append(suite)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def as_json(recorder: Recorder) -> dict[str, Any]:
    """The machine-readable report."""
    return {
        "tool": "his-conformance",
        **_info(recorder),
        "verdict": "fail" if recorder.failed else "pass",
        "exit_code": recorder.exit_code,
        "requests": recorder.requests_sent,
        "duration_seconds": round(recorder.duration, 3),
        "notes": list(recorder.notes),
        "fail_on": recorder.info.fail_on.value,
        "summary": {
            **{outcome.value: count for outcome, count in _counts(recorder).items()},
            "advice_findings": recorder.advice_findings,
        },
        "rules": [
            {
                "id": result.rule.id,
                "group": result.rule.group,
                "title": result.rule.title,
                "outcome": result.outcome.value,
                "checks": result.checks,
                "passed": result.passed,
                "failed": result.failed,
                "advice": result.advised,
                "severity": result.rule.severity.value,
                "skip_reason": result.skip_reason if result.outcome is Outcome.SKIPPED else None,
                "findings": [finding.as_dict() for finding in result.findings],
            }
            for result in recorder.results.values()
        ],
    }


def write_json(recorder: Recorder, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(recorder), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _info(recorder: Recorder) -> dict[str, Any]:
    info = recorder.info
    return {
        "base_url": info.base_url,
        "mock": info.mock,
        "profile": info.profile,
        "seed": info.seed,
        "max_examples": info.max_examples,
        "timeout": info.timeout,
        "allow_settlement": info.allow_settlement,
    }


def _counts(recorder: Recorder) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for result in recorder.results.values():
        counts[result.outcome] += 1
    return counts


def _detail(result: RuleResult) -> str:
    if result.outcome is Outcome.SKIPPED:
        return f"skipped: {result.skip_reason}"
    text = f"{result.passed}/{result.checks} checks passed"
    if result.failed:
        text += f", {result.failed} failed"
    if result.advised:
        text += f", {result.advised} advice"
    return text


def _curl(curl: str) -> str:
    if len(curl) <= _CURL_LIMIT:
        return curl
    return (
        curl[:_CURL_LIMIT]
        + f"… ({len(curl) - _CURL_LIMIT} more characters: the full command is in --json and --report)"
    )


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
