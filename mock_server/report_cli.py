"""`his-mock report`: fetch the client verdict of a running mock, for an integrator's CI.

Exit 0 when the client kept every client rule the document sets (advice alone passes), 1 when it broke
one, 2 when the report cannot be had (no mock at the URL, a wrong admin token, a timeout): one line on
stderr saying why.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click
import requests

from mock_server.errors import ReportUnavailable

REPORT_PATH = "/__admin/report"


@click.command(
    name="his-mock report", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option("--url", required=True, help="The running mock, e.g. http://127.0.0.1:8080.")
@click.option(
    "--junit-xml", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write JUnit XML."
)
@click.option(
    "--admin-token",
    default=None,
    envvar="HIS_MOCK_ADMIN_TOKEN",
    help="The mock's --admin-token (or HIS_MOCK_ADMIN_TOKEN).",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds.")
def report(url: str, junit_xml: Path | None, admin_token: str | None, timeout: float) -> None:
    """Print the client report of the mock at URL; exit 0 (pass), 1 (fail) or 2 (no report)."""
    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        document = fetch_report(base, headers=headers, timeout=timeout)
        if junit_xml is not None:
            xml = _get(f"{base}{REPORT_PATH}?format=junit", headers=headers, timeout=timeout).content
            try:
                junit_xml.parent.mkdir(parents=True, exist_ok=True)
                junit_xml.write_bytes(xml)
            except OSError as exc:
                raise ReportUnavailable(f"cannot write {junit_xml}: {exc.strerror}") from exc
    except ReportUnavailable as exc:
        _fail(str(exc))
    click.echo(summary(document))
    sys.exit(0 if document["verdict"] == "pass" else 1)


def fetch_report(base: str, *, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    """The JSON report, checked to have a verdict; `ReportUnavailable` otherwise."""
    response = _get(f"{base}{REPORT_PATH}", headers=headers, timeout=timeout)
    try:
        document = response.json()
    except ValueError:
        raise ReportUnavailable(f"{base}{REPORT_PATH} did not answer JSON: is this a his-mock?") from None
    if not isinstance(document, dict) or document.get("verdict") not in ("pass", "fail"):
        raise ReportUnavailable(f"{base}{REPORT_PATH} answered JSON without a verdict: is this a his-mock?")
    return document


def summary(document: dict[str, Any]) -> str:
    """The verdict line and one line per finding."""
    findings = [f for f in document.get("findings", []) if isinstance(f, dict)]
    failures = sum(f.get("basis") == "document" for f in findings)
    lines = [
        f"his-mock client report: {str(document['verdict']).upper()}: {document.get('calls', 0)} calls,"
        f" {failures} failure(s), {len(findings) - failures} advice"
    ]
    for finding in findings:
        calls = ", ".join(str(call) for call in finding.get("calls", []))
        rule, basis, side = finding.get("rule"), finding.get("basis"), finding.get("side", "client")
        if side == "server":  # a proxied HIS's answer, as the suite words it (it cites its journal id)
            lines.append(f"  {rule} [{basis}] server: {finding.get('received')}")
        else:
            lines.append(f"  {rule} [{basis}] {finding.get('message')} (journal ids: {calls})")
    return "\n".join(lines)


def _get(url: str, *, headers: dict[str, str], timeout: float) -> requests.Response:
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.Timeout:
        raise ReportUnavailable(f"{url} did not answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise ReportUnavailable(f"cannot reach {url}: {exc.__class__.__name__}") from None
    if response.status_code == 401:
        raise ReportUnavailable(f"{url} refused the admin token (HTTP 401): pass the mock's --admin-token")
    if response.status_code != 200:
        raise ReportUnavailable(f"{url} answered HTTP {response.status_code}: is this a his-mock?")
    return response


def _fail(message: str) -> NoReturn:
    click.echo(f"his-mock report: error: {message}", err=True)
    sys.exit(2)
