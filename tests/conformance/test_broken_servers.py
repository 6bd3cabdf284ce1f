"""Test the tester: every deliberately broken HIS is caught, under the rule it breaks."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.conformance import broken
from tests.conformance.conftest import reference_args, run_in_process
from tests.support.servers import RunningServer

CATALOGUE = sorted(module.name for module in pkgutil.iter_modules(broken.__path__) if module.name != "base")
# Broken servers are caught by the probes; a couple of fuzzed examples keep the fuzzer in the loop.
FUZZ_ARGS = ["--max-examples", "2", "--timeout", "3"]


def test_the_catalogue_covers_every_group_of_rules() -> None:
    groups = {
        importlib.import_module(f"tests.conformance.broken.{name}").EXPECTED.split("-")[0]
        for name in CATALOGUE
    }
    assert len(CATALOGUE) >= 25
    assert groups == {"ENV", "SCH", "SEM", "AUTH", "INP", "SET", "SEC", "TRN"}


@pytest.mark.slow
@pytest.mark.parametrize("broken_server", CATALOGUE, indirect=True, ids=CATALOGUE)
def test_broken_server_fails_with_its_rule(
    broken_server: RunningServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    module = importlib.import_module(
        f"tests.conformance.broken.{request.node.callspec.params['broken_server']}"
    )
    args = [*reference_args(broken_server.base_url), *FUZZ_ARGS, *getattr(module, "EXTRA_ARGS", []), "-q"]

    run = run_in_process(args, tmp_path)

    assert run.exit_code == 1, run.output
    assert module.EXPECTED in run.failed_rules(), (
        f"{module.EXPECTED} not among {run.failed_rules()}:\n{run.output}"
    )
    if hasattr(module, "ALSO_FAILS"):
        # Exactly its rule (and the ones named): one defect reported under unrelated rules as well
        # would leave a vendor guessing which one it breaks.
        expected = {module.EXPECTED, *module.ALSO_FAILS}
        assert run.failed_rules() == expected, f"{sorted(run.failed_rules())}, not {sorted(expected)}"
    # The console names the rule, what came back and how to reproduce it.
    assert f"FAILED {module.EXPECTED}" in run.output
    assert "Reproduce: curl" in run.output


@pytest.mark.parametrize("settlement", [False, True], ids=["read-only", "with-settlement"])
def test_the_reference_server_keeps_every_rule(
    reference_server: RunningServer, tmp_path: Path, settlement: bool
) -> None:
    extra = ["--allow-settlement"] if settlement else []
    run = run_in_process([*reference_args(reference_server.base_url), *FUZZ_ARGS, *extra], tmp_path)

    assert run.exit_code == 0, run.output
    outcomes = run.outcomes()
    assert set(outcomes.values()) == ({"passed"} if settlement else {"passed", "skipped"}), outcomes
