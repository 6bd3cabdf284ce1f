"""The pytest entry for vendors who gate on pytest: one test per rule, failures name the rule."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import pytest

from his_contract import load_spec
from tests.conformance.broken import base
from tests.support.servers import free_port, python_module, serve


def run_pytest_entry(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`pytest --pyargs conformance` against the server `module` of the catalogue, as a vendor runs it."""
    port = free_port()
    with serve(python_module(module, "--port", str(port)), port=port) as server:
        return pytest_entry("--his-base-url", server.base_url, *args)


def pytest_entry(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance", *args, "-q"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, **(env or {})},
    )


CREDENTIALS = ("--his-user-id", base.USER_ID, "--his-password", base.PASSWORD, "--his-reg-no", base.REG_NO)


@pytest.mark.slow
def test_pytest_pyargs_conformance_reports_each_rule(tmp_path: Path) -> None:
    junit = tmp_path / "entry.xml"
    completed = run_pytest_entry(
        "tests.conformance.broken.sem5_self_pay_insured",
        *CREDENTIALS,
        "--his-max-examples",
        "2",
        f"--junitxml={junit}",
    )

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "FAILED conformance/test_contract.py::test_rule[SEM-5]" in completed.stdout
    outcomes = junit_outcomes(junit)
    assert set(outcomes) == set(load_spec().rules)  # one test per rule of the spec
    assert {rule for rule, outcome in outcomes.items() if outcome == "failed"} == {"SEM-5"}
    # Read-only: the settlement group is skipped (as is AUTH-4 without an expired token).
    skipped = {rule for rule, outcome in outcomes.items() if outcome == "skipped"}
    assert skipped == {"AUTH-4"} | {r.id for r in load_spec().rules.values() if r.group == "settlement"}


def junit_outcomes(path: Path) -> dict[str, str]:
    """test_rule[ID] -> passed / failed / skipped, from pytest's own JUnit XML."""
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        rule_id = case.get("name", "").removeprefix("test_rule[").removesuffix("]")
        if case.find("failure") is not None:
            outcomes[rule_id] = "failed"
        elif case.find("skipped") is not None:
            outcomes[rule_id] = "skipped"
        else:
            outcomes[rule_id] = "passed"
    return outcomes


def test_his_max_examples_0_turns_fuzzing_off() -> None:
    completed = run_pytest_entry("tests.conformance.broken.base", *CREDENTIALS, "--his-max-examples", "0")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "his-conformance: fuzzing off (--max-examples 0)" in completed.stdout


def test_his_mock_ignores_credentials_meant_for_a_deployment() -> None:
    completed = pytest_entry(
        "--his-mock", "--his-max-examples", "0", env={"HIS_USER_ID": "kiosk", "HIS_PASSWORD": "prod-secret"}
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "his-conformance: login as 'demo'" in completed.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ("--his-base-url", "http://127.0.0.1:99999", *CREDENTIALS),
            "--his-base-url 'http://127.0.0.1:99999'",
        ),
        (("--his-base-url", "ftp://x", *CREDENTIALS), "--his-base-url must start with http"),
        (("--his-base-url", "http://x", *CREDENTIALS, "--his-rate-limit", "-1"), "rate-limit must be >= 0"),
    ],
    ids=["port", "scheme", "rate-limit"],
)
def test_the_pytest_entry_checks_options_like_the_cli(args: tuple[str, ...], reason: str) -> None:
    completed = pytest_entry(*args)

    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert f"his-conformance: error: {reason}" in completed.stdout + completed.stderr
