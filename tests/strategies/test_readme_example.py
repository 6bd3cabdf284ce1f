"""The README's ten-line property test runs as written (it is extracted from README.md, not copied)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import Phase, settings

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Edge cases for QA: strategies and his-cases"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    [example] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return example


def test_the_example_is_ten_lines() -> None:
    assert len([line for line in readme_example().splitlines() if line.strip()]) <= 10


def load_example(tmp_path: Path, source: str) -> Callable[[], None]:
    """Import the example from a real file, as a vendor's test module would be."""
    path = tmp_path / "test_readme_example_module.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("test_readme_example_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
