"""The registry of checks: exactly one per rule id of the spec's `x-his-rules` (schemathesis `checks.py`).

A check is a plain function named after its rule, registered with `@check(rule_id, ...)`:

    @check("AUTH-4", intents=(ExpiredToken,))
    def expired_token_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
        if ctx.answer.status == 3:
            return None                                   # the rule held
        return ctx.finding(exchange, kind="not-status-3")  # the rule broke

`intents` names the intent classes the check judges (None: every exchange); `when` narrows it
further (SCH-1 only judges successes). An applicable check that returns None counts as the
rule held once; a `Finding` as broken. A group check (`@group_check`) judges several exchanges
sent together (a race) through `Session.judge_group`. The modules of `conformance.checks` are
imported on first use, so a new rule is one module there plus one line in `x-his-rules`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conformance.answer import Answer
from conformance.contract import Contract, OperationModel
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import Intent
from conformance.profiles import Profile
from his_contract import Basis, Rule


@dataclass(slots=True, frozen=True)
class CheckContext:
    """What a check knows besides the exchange: the contract, the profile, the declared intent, the answer."""

    contract: Contract
    profile: Profile
    intent: Intent
    answer: Answer  # the exchange's response as read under the profile (`read_answer`)
    rule: Rule

    def operation(self, exchange: Exchange) -> OperationModel | None:
        """The documented operation of `exchange` (None for an undocumented one, e.g. a recorded path)."""
        return self.contract.operations.get(exchange.operation_id)

    def finding(
        self,
        exchange: Exchange,
        *,
        kind: str,
        received: str | None = None,
        expected: str | None = None,
        basis: Basis | None = None,
    ) -> Finding:
        """A finding of this rule on `exchange`; unsaid parts default to the rule's title and basis."""
        return make_finding(
            self.rule,
            self.profile,
            exchange,
            kind=kind,
            basis=basis,
            expected=expected,
            received=self.answer.summary if received is None else received,
        )


@dataclass(slots=True, frozen=True)
class GroupContext:
    """What a group check knows: like `CheckContext`, with one answer per exchange of the group."""

    contract: Contract
    profile: Profile
    intent: Intent
    answers: tuple[Answer, ...]
    rule: Rule

    def finding(
        self,
        exchange: Exchange,
        *,
        kind: str,
        received: str,
        expected: str | None = None,
        basis: Basis | None = None,
    ) -> Finding:
        return make_finding(
            self.rule, self.profile, exchange, kind=kind, basis=basis, expected=expected, received=received
        )


def make_finding(
    rule: Rule,
    profile: Profile,
    exchange: Exchange,
    *,
    kind: str,
    received: str,
    expected: str | None,
    basis: Basis | None,
) -> Finding:
    """The one constructor of findings: the rule's severity, its basis unless the check (or profile) says."""
    return Finding(
        rule_id=rule.id,
        basis=profile.basis_for(rule, basis or rule.basis),
        severity=rule.severity,
        title=rule.title,
        expected=expected or rule.title,
        received=received,
        kind=kind,
        operation_id=exchange.operation_id,
        exchange=exchange,
    )


CheckFunction = Callable[[CheckContext, Exchange], Finding | None]
GroupCheckFunction = Callable[[GroupContext, Sequence[Exchange]], Finding | None]
Applies = Callable[[CheckContext, Exchange], bool]


@dataclass(slots=True, frozen=True)
class Check:
    """One registered check of one exchange."""

    rule_id: str
    function: CheckFunction
    intents: tuple[type[Intent], ...] | None
    when: Applies | None

    def applies_to(self, intent: Intent) -> bool:
        return self.intents is None or isinstance(intent, self.intents)


@dataclass(slots=True, frozen=True)
class GroupCheck:
    """One registered check of a group of exchanges sent together."""

    rule_id: str
    function: GroupCheckFunction
    intents: tuple[type[Intent], ...]


@dataclass(slots=True, frozen=True)
class Judgement:
    """One applicable check on one exchange (or group): None when the rule held."""

    rule_id: str
    finding: Finding | None


_CHECKS: dict[str, Check] = {}
_GROUP_CHECKS: dict[str, GroupCheck] = {}
_loaded = False


def check(
    rule_id: str, *, intents: tuple[type[Intent], ...] | None = None, when: Applies | None = None
) -> Callable[[CheckFunction], CheckFunction]:
    """Register `function` as the check of `rule_id` (one per rule)."""

    def register(function: CheckFunction) -> CheckFunction:
        _refuse_second(rule_id)
        _CHECKS[rule_id] = Check(rule_id, function, intents, when)
        return function

    return register


def group_check(
    rule_id: str, *, intents: tuple[type[Intent], ...]
) -> Callable[[GroupCheckFunction], GroupCheckFunction]:
    """Register `function` as the check of `rule_id` over a group of exchanges sent together."""

    def register(function: GroupCheckFunction) -> GroupCheckFunction:
        _refuse_second(rule_id)
        _GROUP_CHECKS[rule_id] = GroupCheck(rule_id, function, intents)
        return function

    return register


def registered_checks() -> tuple[Check, ...]:
    load_checks()
    return tuple(_CHECKS.values())


def registered_group_checks() -> tuple[GroupCheck, ...]:
    load_checks()
    return tuple(_GROUP_CHECKS.values())


def registered_rule_ids() -> frozenset[str]:
    """Every rule id that has a check (per exchange or per group)."""
    load_checks()
    return frozenset(_CHECKS) | frozenset(_GROUP_CHECKS)


def load_checks() -> None:
    """Import every module of `conformance.checks` once (each registers its rules' checks)."""
    global _loaded
    if _loaded:
        return
    from conformance import checks

    for module in pkgutil.iter_modules(checks.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{checks.__name__}.{module.name}")
    _loaded = True


def judge_exchange(
    contract: Contract, profile: Profile, exchange: Exchange, answer: Answer, intent: Intent
) -> list[Judgement]:
    """Every applicable check, once, on one exchange: the heart of the suite, without any I/O."""
    rules = contract.spec.rules
    judgements = []
    for registered in registered_checks():
        if not registered.applies_to(intent):
            continue
        ctx = CheckContext(contract, profile, intent, answer, rules[registered.rule_id])
        if registered.when is not None and not registered.when(ctx, exchange):
            continue
        judgements.append(Judgement(registered.rule_id, registered.function(ctx, exchange)))
    return judgements


def judge_group(
    contract: Contract,
    profile: Profile,
    exchanges: Sequence[Exchange],
    answers: Sequence[Answer],
    intent: Intent,
) -> list[Judgement]:
    """Every group check that applies to `intent`, once, on exchanges sent together."""
    rules = contract.spec.rules
    judgements = []
    for registered in registered_group_checks():
        if isinstance(intent, registered.intents):
            ctx = GroupContext(contract, profile, intent, tuple(answers), rules[registered.rule_id])
            judgements.append(Judgement(registered.rule_id, registered.function(ctx, exchanges)))
    return judgements


def _refuse_second(rule_id: str) -> None:
    if rule_id in _CHECKS or rule_id in _GROUP_CHECKS:
        raise RuntimeError(f"a second check for {rule_id}: a rule has exactly one check")
