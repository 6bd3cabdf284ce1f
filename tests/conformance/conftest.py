"""Run his-conformance against real servers: the broken catalogue, the reference HIS, the mock."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from tests.conformance.broken import base
from tests.support.servers import RunningServer, free_port, python_module, serve


@dataclass(slots=True, frozen=True)
class SuiteRun:
    """What one his-conformance run left behind: exit code, output, the JUnit and JSON reports."""

    exit_code: int
    output: str  # stdout and stderr together
    junit: Path
    json_path: Path

    def junit_outcomes(self) -> dict[str, str]:
        """rule id -> passed / failed / skipped, read back from the JUnit XML (advice passes there)."""
        outcomes = {}
        for case in ET.parse(self.junit).getroot().iter("testcase"):
            rule_id = case.get("name", "").split(" ", 1)[0]
            if case.find("failure") is not None:
                outcomes[rule_id] = "failed"
            elif case.find("skipped") is not None:
                outcomes[rule_id] = "skipped"
            else:
                outcomes[rule_id] = "passed"
        return outcomes

    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.json_path.read_text(encoding="utf-8"))
        return document

    def outcomes(self) -> dict[str, str]:
        """rule id -> passed / failed / advice / skipped, from the JSON report."""
        return {rule["id"]: rule["outcome"] for rule in self.report()["rules"]}

    def findings(self, basis: str | None = None) -> list[dict[str, Any]]:
        """Every finding of the JSON report (of one basis: document / advice)."""
        return [
            finding
            for rule in self.report()["rules"]
            for finding in rule["findings"]
            if basis is None or finding["basis"] == basis
        ]

    def failed_rules(self) -> set[str]:
        """The rules with a document finding (what fails a run by default), read from the JUnit XML."""
        return {rule for rule, outcome in self.junit_outcomes().items() if outcome == "failed"}


def reference_args(base_url: str) -> list[str]:
    """The command line that points the suite at a server built on `broken.base`."""
    return [
        "--base-url",
        base_url,
        "--user-id",
        base.USER_ID,
        "--password",
        base.PASSWORD,
        "--reg-no",
        base.REG_NO,
        "--card-no",
        base.CARD_NO,
        "--expired-token",
        base.expired_token(),
    ]


def run_in_process(args: Sequence[str], tmp_path: Path) -> SuiteRun:
    """The real click command, in this process (the fuzzer's draws are cached between runs)."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    reports = ["--junit-xml", str(junit)]
    if "--json" not in args:
        reports += ["--json", str(report)]
    else:
        report = Path(args[list(args).index("--json") + 1])
    result = CliRunner().invoke(cli, [*args, *reports], catch_exceptions=False)
    return SuiteRun(result.exit_code, result.output, junit, report)


def run_console_script(args: Sequence[str], tmp_path: Path, *, timeout: float = 240) -> SuiteRun:
    """The installed entry point as a vendor's CI runs it: `python -m conformance ...`."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", *args, "--junit-xml", str(junit), "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return SuiteRun(completed.returncode, completed.stdout + completed.stderr, junit, report)


def serve_module(module: str) -> contextlib.AbstractContextManager[RunningServer]:
    """Serve the catalogue server `module` (`python -m module --port P`) on a free port."""
    port = free_port()
    return serve(python_module(module, "--port", str(port)), port=port)


@pytest.fixture
def broken_server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """Serve `tests.conformance.broken.<param>` on a free port."""
    with serve_module(f"tests.conformance.broken.{request.param}") as server:
        yield server


@pytest.fixture
def quirky_server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """Serve `tests.conformance.quirky.<param>` on a free port."""
    with serve_module(f"tests.conformance.quirky.{request.param}") as server:
        yield server


@pytest.fixture
def reference_server() -> Iterator[RunningServer]:
    """The correct reference HIS of the catalogue (`broken.base`)."""
    port = free_port()
    with serve(python_module("tests.conformance.broken.base", "--port", str(port)), port=port) as server:
        yield server
