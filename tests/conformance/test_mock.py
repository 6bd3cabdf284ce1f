"""The suite against his-mock: both flavors pass in their profile, and the profiles really differ."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.conformance.conftest import SuiteRun, run_console_script, run_in_process
from tests.support.mock import DEMO_CARD_NO, DEMO_PASSWORD, DEMO_REG_NO, DEMO_USER, start_mock

SMALL = ["--max-examples", "5"]


def mock_args(base_url: str) -> list[str]:
    return [
        "--base-url",
        base_url,
        "--user-id",
        DEMO_USER,
        "--password",
        DEMO_PASSWORD,
        "--reg-no",
        DEMO_REG_NO,
    ]


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_mock_flag_passes_in_the_matching_profile(tmp_path: Path, profile: str) -> None:
    """`his-conformance --mock` with default settings: exit 0, every rule checked, none broken."""
    started = time.monotonic()
    run = run_console_script(["--mock", "--profile", profile], tmp_path)
    elapsed = time.monotonic() - started

    assert run.exit_code == 0, run.output
    assert_every_rule_kept(run)
    report = run.report()
    assert report["verdict"] == "pass" and report["summary"]["skipped"] == 0, report["summary"]
    assert elapsed < 60, f"the default run took {elapsed:.1f} s"


def assert_every_rule_kept(run: SuiteRun) -> None:
    """Every rule checked and none broken; the only advice his-mock earns is its reading of edge input.

    (his-mock answers a 3,000-character value with the status the lookup gives, 6, not 5: a
    correct reading of the document, so INP-1 advice, not a failure.)
    """
    outcomes = run.outcomes()
    assert set(outcomes.values()) <= {"passed", "advice"}, outcomes
    assert run.findings("document") == []
    assert {(f["rule"], f["kind"].split(":")[0]) for f in run.findings("advice")} <= {
        ("INP-1", "long-string")
    }, run.findings("advice")


@pytest.mark.slow
def test_base_url_against_a_running_mock_is_read_only(tmp_path: Path) -> None:
    """Without --allow-settlement nothing reaches SettleByDoctor, not even a fuzzed request."""
    with start_mock() as mock:
        run = run_in_process([*mock_args(mock.base_url), *SMALL], tmp_path)
        journal = requests.get(f"{mock.base_url}/__admin/requests", timeout=10).json()

    assert run.exit_code == 0, run.output
    outcomes = run.outcomes()
    assert {rule for rule, outcome in outcomes.items() if outcome == "skipped"} == {
        "AUTH-4",
        "SET-1",
        "SET-2",
        "SET-3",
        "SET-4",
        "SET-5",
    }
    paths = {entry["path"] for entry in journal}
    assert "/api/MzSettle/GetUnSettleBillByDoctor" in paths
    assert not any("SettleByDoctor" in path and "UnSettle" not in path for path in paths), paths


@pytest.mark.slow
def test_base_url_against_a_running_mock_with_settlement(tmp_path: Path) -> None:
    with start_mock() as mock:
        token = requests.post(
            f"{mock.base_url}/__admin/token", json={"userId": DEMO_USER, "ttl": -60}, timeout=10
        )
        args = [*mock_args(mock.base_url), "--card-no", DEMO_CARD_NO, "--allow-settlement"]
        run = run_in_process([*args, "--expired-token", token.json()["token"], *SMALL], tmp_path)

    assert run.exit_code == 0, run.output
    assert_every_rule_kept(run)


@pytest.mark.slow
def test_the_aspnet_flavor_breaks_the_strict_profile(tmp_path: Path) -> None:
    """401 without envelope, 400 ProblemDetails, text/plain errors: accepted by lenient only."""
    with start_mock(flavor="aspnet") as mock:
        strict = run_in_process([*mock_args(mock.base_url), *SMALL], tmp_path / "strict")
        lenient = run_in_process(
            [*mock_args(mock.base_url), *SMALL, "--profile", "lenient"], tmp_path / "lenient"
        )

    assert strict.exit_code == 1, strict.output
    assert {"ENV-1", "INP-1"} <= strict.failed_rules()
    assert lenient.exit_code == 0, lenient.output
