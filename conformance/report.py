"""Reports of a run: the console summary, JUnit XML (one test case per rule), and JSON.

The HTML page lives in `conformance.html_report`. Every format reads the same redacted
`Recorder`, so none of them can leak a secret the others hide.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.results import Finding, Outcome, Recorder, RuleResult

_MARK = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.WARNING: "WARN", Outcome.SKIPPED: "SKIP"}


def verdict_line(recorder: Recorder) -> str:
    counts = _counts(recorder)
    word = "NOT CONFORMANT" if recorder.failed else "CONFORMANT"
    return (
        f"{word}: {counts[Outcome.FAILED]} rule(s) failed, {counts[Outcome.WARNING]} warning(s),"
        f" {counts[Outcome.PASSED]} passed, {counts[Outcome.SKIPPED]} skipped"
        f" ({recorder.requests_sent} requests in {recorder.duration:.1f} s)"
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
    problems = [r for r in recorder.results.values() if r.outcome in (Outcome.FAILED, Outcome.WARNING)]
    for result in problems:
        lines.append("")
        head = "WARNING" if result.outcome is Outcome.WARNING else "FAILED"
        lines.append(f"{head} {result.rule.id}: {result.rule.title}")
        for number, finding in enumerate(result.findings, 1):
            lines.extend("  " + line for line in finding_text(finding, number).splitlines())
        hidden = result.failed + result.warned - len(result.findings)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more occurrence(s) of {result.rule.id}")
    for note in recorder.notes:
        lines.append(f"note: {note}")
    lines.append("")
    lines.append(verdict_line(recorder))
    return "\n".join(lines)


def finding_text(finding: Finding, number: int = 1) -> str:
    """One finding as a person reads it: expectation, what came back, the request, how to reproduce."""
    lines = [
        f"#{number} {finding.operation_id}: {finding.purpose}" if finding.purpose else f"#{number}",
        f"  Expected: {finding.expected}",
        f"  Received: {finding.received or finding.response_line}",
        f"  Request:  {finding.request_line}",
    ]
    if finding.request_body:
        lines.append(f"            {_one_line(finding.request_body, 200)}")
    lines.append(f"  Response: {finding.response_line}")
    if finding.response_body:
        lines.append(f"            {_one_line(finding.response_body, 300)}")
    lines.append(f"  Reproduce: {finding.curl}")
    return "\n".join(lines)


def write_junit(recorder: Recorder, path: Path) -> None:
    """JUnit XML with one test case per rule; failures carry the findings, skips their reason."""
    counts = _counts(recorder)
    suite = ET.Element(
        "testsuite",
        name="his-conformance",
        tests=str(len(recorder.results)),
        failures=str(counts[Outcome.FAILED]),
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
        body = "\n\n".join(finding_text(f, n) for n, f in enumerate(result.findings, 1))
        if result.outcome is Outcome.FAILED:
            first = result.findings[0] if result.findings else None
            message = f"{result.rule.id}: {first.received if first else 'failed'}"
            failure = ET.SubElement(case, "failure", message=message[:500], type=result.rule.id)
            failure.text = body
        elif result.outcome is Outcome.SKIPPED:
            ET.SubElement(case, "skipped", message=result.skip_reason)
        elif result.outcome is Outcome.WARNING:
            ET.SubElement(case, "system-out").text = f"warnings (profile {recorder.info.profile}):\n\n{body}"
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
        "summary": {outcome.value: count for outcome, count in _counts(recorder).items()},
        "rules": [
            {
                "id": result.rule.id,
                "group": result.rule.group,
                "title": result.rule.title,
                "outcome": result.outcome.value,
                "checks": result.checks,
                "passed": result.passed,
                "failed": result.failed,
                "warnings": result.warned,
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
    if result.warned:
        text += f", {result.warned} warning(s)"
    return text


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
