"""One pytest test per rule of the contract, run by `pytest --pyargs conformance --his-base-url ...`."""

from __future__ import annotations

import pytest

from conformance.report import ADVICE_HEADING, advice_note, findings_text
from conformance.results import Outcome, Recorder
from his_contract import Basis, load_spec

RULE_IDS = list(load_spec().rules)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule(rule_id: str, his_conformance: Recorder) -> None:
    result = his_conformance.results[rule_id]
    if result.outcome is Outcome.SKIPPED:
        pytest.skip(f"{rule_id}: {result.skip_reason}")
    if result.advised:
        # Shown with the test's captured output (pytest -rA); a failure only with --his-fail-on advice.
        print(f"{ADVICE_HEADING} ({advice_note(his_conformance)}):\n{findings_text(result, Basis.ADVICE)}")
    if his_conformance.failing(result):
        basis = Basis.DOCUMENT if result.failed else Basis.ADVICE
        pytest.fail(f"{rule_id}: {result.rule.title}\n\n{findings_text(result, basis)}", pytrace=False)
