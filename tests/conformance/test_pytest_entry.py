"""The pytest entry for vendors who gate on pytest: one test per rule, failures name the rule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.servers import free_port, python_module, serve


@pytest.mark.slow
def test_pytest_pyargs_conformance_reports_each_rule() -> None:
    port = free_port()
    module = "tests.conformance.broken.sem5_self_pay_insured"
    with serve(python_module(module, "--port", str(port)), port=port) as server:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "--pyargs",
                "conformance",
                "--his-base-url",
                server.base_url,
                "--his-user-id",
                "demo",
                "--his-password",
                "demo-password",
                "--his-reg-no",
                "1628214442",
                "--his-max-examples",
                "2",
                "-q",
            ],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "FAILED conformance/test_contract.py::test_rule[SEM-5]" in completed.stdout
    assert "1 failed, 18 passed, 6 skipped" in completed.stdout
