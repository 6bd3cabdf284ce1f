"""One pytest test per rule of the contract, run by `pytest --pyargs conformance --his-base-url ...`."""

from __future__ import annotations

import pytest

from conformance.report import finding_text
from conformance.results import Outcome, Recorder
from his_contract import load_spec

RULE_IDS = list(load_spec().rules)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule(rule_id: str, his_conformance: Recorder) -> None:
    result = his_conformance.results[rule_id]
    if result.outcome is Outcome.SKIPPED:
        pytest.skip(f"{rule_id}: {result.skip_reason}")
    if result.outcome is Outcome.FAILED:
        findings = "\n\n".join(finding_text(finding, n) for n, finding in enumerate(result.findings, 1))
        pytest.fail(f"{rule_id}: {result.rule.title}\n\n{findings}", pytrace=False)
