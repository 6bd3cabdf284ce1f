"""The registry: exactly one check per rule of the spec, and a group check for exchanges sent together."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from conformance import registry
from conformance.answer import Answer, read_answer
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import Intent
from conformance.profiles import STRICT
from conformance.registry import GroupCheck, GroupContext, check, judge_group, registered_rule_ids
from his_contract import load_spec
from tests.conformance.exchanges import CONTRACT, envelope, exchange, judge

# Rules another component judges (the mock judges client rules CLI-*): no check of the suite.
NOT_THE_SUITES = {"client"}


def test_the_registered_rules_are_exactly_the_spec_rules() -> None:
    spec_rules = {rule.id for rule in load_spec().rules.values() if rule.group not in NOT_THE_SUITES}
    assert registered_rule_ids() == spec_rules


def test_a_rule_has_exactly_one_check() -> None:
    with pytest.raises(RuntimeError, match="a second check for ENV-1"):
        check("ENV-1")(lambda ctx, exchange: None)


@dataclass(slots=True, frozen=True, kw_only=True)
class Race(Intent):
    """Several settlements of one bill sent at once (a stand-in for SET-7's intent)."""


def at_most_one_success(ctx: GroupContext, exchanges: Sequence[Exchange]) -> Finding | None:
    winners = [ex for ex, answer in zip(exchanges, ctx.answers, strict=True) if answer.succeeded]
    if len(winners) <= 1:
        return None
    return ctx.finding(winners[1], kind="two-successes", received=f"{len(winners)} answers with status 0")


def test_a_group_check_judges_exchanges_sent_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._GROUP_CHECKS, "SET-4", GroupCheck("SET-4", at_most_one_success, (Race,)))
    won, lost = exchange("settleByDoctor", envelope(0, {})), exchange("settleByDoctor", envelope(6))
    answers = [judge_answer(ex) for ex in (won, won, lost)]

    twice = judge_group(CONTRACT, STRICT, [won, won, lost], answers, Race())
    once = judge_group(CONTRACT, STRICT, [won, lost], [answers[0], answers[2]], Race())
    other_intent = judge_group(CONTRACT, STRICT, [won, won], answers[:2], Intent())

    assert [(j.rule_id, j.finding.kind if j.finding else None) for j in twice] == [("SET-4", "two-successes")]
    assert [(j.rule_id, j.finding) for j in once] == [("SET-4", None)]
    assert other_intent == []


def judge_answer(ex: Exchange) -> Answer:
    return read_answer(ex, CONTRACT, STRICT)


def test_an_intent_without_checks_gets_the_rules_every_answer_keeps() -> None:
    judged = judge(exchange("login", envelope(6), request={"userId": "x"}), Race())
    assert set(judged) == {"ENV-1", "ENV-2", "ENV-3", "ENV-4", "ENV-5", "TRN-1"}


def test_conformance_never_imports_mock_server() -> None:
    """The suite must work against any URL: importing all of it loads no module of the mock."""
    code = (
        "import sys, conformance.cli, conformance.pytest_plugin, conformance.cases_cli;"
        "from conformance.registry import load_checks; load_checks();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mock_server'))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
