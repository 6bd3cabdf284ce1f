"""The README's ten-line property test runs as written (it is extracted from README.md, not copied)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from tests.support.readme import load_module, python_example

SECTION = "## Edge cases for QA: strategies and his-cases"


def readme_example() -> str:
    return python_example(SECTION)


def test_the_example_is_ten_lines() -> None:
    assert len([line for line in readme_example().splitlines() if line.strip()]) <= 10


def load_example(tmp_path: Path, source: str) -> Callable[[], None]:
    """Import the example from a real file, as a vendor's test module would be."""
    module = load_module(tmp_path, source, "test_readme_example_module")
    test: Callable[[], None] = module.test_client_collects_what_settlement_expects
    return test


@pytest.mark.slow
def test_the_readme_example_runs_and_passes(tmp_path: Path) -> None:
    load_example(tmp_path, readme_example())()  # Hypothesis runs it under the test profile's settings


# Hypothesis warns when it prints a falsifying example of ~100 kB (an adversarial bill); the
# failure itself is what this test is after.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_the_readme_example_catches_a_wrong_client(tmp_path: Path) -> None:
    """A client that charges SumFund - SBZFJE (ignoring account payments) fails the README's test."""
    right = 'return Decimal(bill["GRZFJE3"])'
    assert right in readme_example()
    wrong = readme_example().replace(right, 'return Decimal(bill["SumFund"]) - Decimal(bill["SBZFJE"])')
    test = load_example(tmp_path, wrong)
    with pytest.raises(AssertionError):
        # Generation only: the failure is what counts here, shrinking it would only cost time.
        settings(phases=[Phase.generate], database=None)(test)()
