"""The `--report` page: one self-contained HTML file (no scripts, no external assets).

A person opens it from a CI artifact: the verdict first, a per-rule table, then each failure
with the request, the response and the curl command, folded with <details> so a long report
stays scannable without JavaScript.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from conformance.findings import Finding
from conformance.report import ADVICE_HEADING, advice_note, verdict_line
from conformance.results import Outcome, Recorder, RuleResult
from his_contract import Basis

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.verdict.fail{background:#ffebe9;border:1px solid #cf222e}
.verdict.pass{background:#dafbe1;border:1px solid #1a7f37}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}
.badge{display:inline-block;min-width:4.2rem;text-align:center;border-radius:1rem;padding:0 .5rem;
font-size:.8rem;font-weight:600}
.passed{background:#dafbe1;color:#1a7f37}.failed{background:#ffebe9;color:#cf222e}
.advice{background:#fff8c5;color:#9a6700}.skipped{background:#eaeef2;color:#57606a}
.meta td:first-child{color:#57606a;width:12rem}
details{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-weight:600}
pre{background:#f6f8fa;padding:.6rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.label{color:#57606a;font-size:.85rem;margin-top:.6rem}
"""


def render_html(recorder: Recorder) -> str:
    """The whole page as a string."""
    info = recorder.info
    verdict_class = "fail" if recorder.failed else "pass"
    meta = [
        ("Deployment", "his-mock (started by --mock)" if info.mock else info.base_url),
        ("Profile", info.profile),
        ("Seed", str(info.seed)),
        ("Examples per operation and mode", str(info.max_examples)),
        ("Timeout per request", f"{info.timeout:g} s"),
        ("Settlement checked", "yes (--allow-settlement)" if info.allow_settlement else "no (read-only run)"),
        ("Requests sent", str(recorder.requests_sent)),
        ("Duration", f"{recorder.duration:.1f} s"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>his-conformance report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>HIS conformance report</h1>",
        f'<div class="verdict {verdict_class}">{escape(verdict_line(recorder))}</div>',
        '<table class="meta">',
        *(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in meta),
        "</table>",
    ]
    for note in recorder.notes:
        parts.append(f"<p><strong>Note:</strong> {escape(note)}</p>")
    parts += [
        "<h2>Rules</h2>",
        "<table>",
        "<tr><th>Rule</th><th>Result</th><th>Checks</th><th>Rule text</th></tr>",
    ]
    parts += [_rule_row(result) for result in recorder.results.values()]
    parts.append("</table>")
    parts += _section(recorder, Basis.DOCUMENT, "Failures", "")
    parts += _section(recorder, Basis.ADVICE, ADVICE_HEADING, advice_note(recorder))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(recorder: Recorder, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(recorder), encoding="utf-8")


def _section(recorder: Recorder, basis: Basis, heading: str, note: str) -> list[str]:
    results = [r for r in recorder.results.values() if r.distinct(basis)]
    if not results:
        return []
    parts = [f'<h2 id="{basis.value}">{escape(heading)}</h2>']
    if note:
        parts.append(f"<p>{escape(note)}</p>")
    for result in results:
        rule_id = escape(result.rule.id)
        anchor = f"{rule_id}-{basis.value}"
        parts.append(f'<h3 id="{anchor}">{rule_id}: {escape(result.rule.title)}</h3>')
        for number, (finding, count) in enumerate(result.distinct(basis), 1):
            parts.append(_finding(finding, number, count))
    return parts


def _rule_row(result: RuleResult) -> str:
    outcome = result.outcome
    if outcome is Outcome.SKIPPED:
        checks = escape(result.skip_reason)
    else:
        checks = f"{result.passed} of {result.checks} passed"
    rule_id = escape(result.rule.id)
    basis = Basis.DOCUMENT if result.failed else Basis.ADVICE
    name = f'<a href="#{rule_id}-{basis.value}">{rule_id}</a>' if result.findings else rule_id
    return (
        f'<tr><td>{name}</td><td><span class="badge {outcome.value}">{outcome.value}</span></td>'
        f"<td>{checks}</td><td>{escape(result.rule.title)}</td></tr>"
    )


def _finding(finding: Finding, number: int, count: int) -> str:
    view = finding.view
    purpose = view.purpose or finding.basis.value
    if count > 1:
        purpose += f" ({count} identical findings)"
    received = finding.received or view.response_line
    headers_in = "\n".join(f"{k}: {v}" for k, v in view.request_headers)
    headers_out = "\n".join(f"{k}: {v}" for k, v in view.response_headers)
    return "\n".join(
        [
            "<details open>" if number == 1 else "<details>",
            f"<summary>#{number} {escape(finding.operation_id)}: {escape(purpose)}</summary>",
            f'<div class="label">Expected</div><div>{escape(finding.expected)}</div>',
            f'<div class="label">Received</div><div>{escape(received)}</div>',
            '<div class="label">Request</div>',
            f"<pre>{escape(view.request_line)}\n{escape(headers_in)}\n\n{escape(view.request_body)}</pre>",
            '<div class="label">Response</div>',
            f"<pre>{escape(view.response_line)}\n{escape(headers_out)}\n\n{escape(view.response_body)}</pre>",
            '<div class="label">Reproduce</div>',
            f"<pre>{escape(view.curl)}</pre>",
            "</details>",
        ]
    )
