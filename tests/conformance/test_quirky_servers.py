"""No false alarms: correct HIS servers with legitimate quirks pass, at most with advice.

A vendor gates releases on the exit code, so a false alarm costs as much as a miss
(CONTRACT.md, "What makes a failure"). Each server of `tests.conformance.quirky` answers one
point differently from the reference, in a way the document allows; the suite must exit 0
with the settlement flow on (a read-only run sends a subset of the same requests).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.conformance import quirky
from tests.conformance.conftest import reference_args, run_in_process, serve_module
from tests.support.servers import RunningServer

CATALOGUE = sorted(module.name for module in pkgutil.iter_modules(quirky.__path__))
FUZZ_ARGS = ["--max-examples", "2", "--timeout", "3"]


def test_the_catalogue_has_at_least_ten_quirks() -> None:
    assert len(CATALOGUE) >= 10
    for name in CATALOGUE:
        module = importlib.import_module(f"tests.conformance.quirky.{name}")
        assert module.PROFILE in ("strict", "lenient"), name
        assert isinstance(module.ADVICE, set), name


@pytest.mark.slow
@pytest.mark.parametrize("quirky_server", CATALOGUE, indirect=True, ids=CATALOGUE)
def test_a_correct_quirk_is_no_failure(
    quirky_server: RunningServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["quirky_server"]
    module = importlib.import_module(f"tests.conformance.quirky.{name}")
    args = [
        *reference_args(quirky_server.base_url),
        *FUZZ_ARGS,
        "--allow-settlement",
        "--profile",
        module.PROFILE,
        "-q",
    ]

    run = run_in_process(args, tmp_path)

    assert run.exit_code == 0, run.output
    assert run.findings("document") == [], run.output
    outcomes = run.outcomes()
    assert "skipped" not in outcomes.values(), outcomes  # every rule, settlement too, was checked
    advised = {rule for rule, outcome in outcomes.items() if outcome == "advice"}
    # The quirks the kit does not recommend are advised on (the probe ran); no other rule is.
    assert advised == module.ADVICE, run.output


@pytest.mark.slow
def test_fail_on_advice_makes_the_kits_reading_fail(tmp_path: Path) -> None:
    """A vendor who wants the kit's reading: `--fail-on advice` turns the INP-1 advice into exit 1."""
    with serve_module("tests.conformance.quirky.empty_strings_business_error") as server:
        args = [*reference_args(server.base_url), "--max-examples", "0"]
        default = run_in_process(args, tmp_path / "default")
        strict_reading = run_in_process([*args, "--fail-on", "advice"], tmp_path / "advice")

    assert default.exit_code == 0, default.output
    assert strict_reading.exit_code == 1, strict_reading.output
    assert strict_reading.failed_rules() == {"INP-1"}
    assert strict_reading.report()["fail_on"] == "advice"
    assert "Advice: the kit's reading beyond the document" in strict_reading.output
