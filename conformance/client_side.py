"""`--side client`: a recording judged for what the client did, by the client rules (CLI-1..6).

The rules themselves live in `his_contract.client_rules` (pure logic over calls), which his-mock's
`/__admin/report` also uses: here each recorded call becomes a `Call`, and each `ClientFinding`
a suite `Finding` (side "client") naming the recorded entries that show it, so the reports, the
redaction and the exit code are the live run's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.answer import Answer
from conformance.checks._support import request_json
from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, Contract
from conformance.findings import Finding
from conformance.recording import RecordedExchange
from conformance.registry import Judgement
from conformance.results import Recorder
from his_contract import Rule
from his_contract.client_rules import Call, ClientFinding, answer_injected, judge_client, token_subject

CLIENT_SIDE = "client"
_BILL_FACTS = ("BILLID", "GRZFJE3")


def client_rules(contract: Contract) -> dict[str, Rule]:
    """The client rules of the spec (group `client` of `x-his-rules`)."""
    return dict(contract.spec.client_rules)


def judge_client_side(
    recorder: Recorder,
    recorded: Sequence[RecordedExchange],
    answers: Sequence[Answer],
    contract: Contract,
) -> None:
    """Judge the recording's calls with CLI-1..6 and record every finding on the client side."""
    calls = [_call(item, answer, contract) for item, answer in zip(recorded, answers, strict=True)]
    by_id = {call.id: item for call, item in zip(calls, recorded, strict=True)}
    findings = judge_client(calls, contract.spec)
    rules = contract.spec.client_rules
    judgements = [Judgement(f.rule, _finding(f, rules[f.rule], by_id, recorder)) for f in findings]
    # A client rule nobody broke held once over the whole recording (it judges the sequence).
    broken = {f.rule for f in findings}
    judgements += [Judgement(rule_id, None) for rule_id in rules if rule_id not in broken and calls]
    recorder.record(judgements)


def _call(item: RecordedExchange, answer: Answer, contract: Contract) -> Call:
    exchange = item.exchange
    operation = contract.operations[exchange.operation_id]
    canonical = BILL_OPERATION if operation.payload == contract.operation(BILL_OPERATION).payload else None
    body = request_json(exchange) if item.request_body_recorded else None
    started = item.at if item.at is not None else float(item.index)
    answered = exchange.response is not None and exchange.problem is None
    status = answer.status if item.response_body_recorded else item.answer_status
    msg = answer.envelope.document.get("msg") if answer.envelope is not None else None
    return Call(
        id=item.index,
        started=started,
        finished=started + exchange.elapsed,
        operation=canonical or exchange.operation_id,
        body=body if body else None,
        user=item.user or _user(exchange.operation_id, body, exchange.request.header("Authorization")),
        answered=answered,
        http_status=exchange.response.status if exchange.response is not None else None,
        status=status,
        msg=msg if isinstance(msg, str) else None,
        injected=answer_injected(item.fault),
        answer=item.answer_facts or _facts(answer),
    )


def _user(operation_id: str, body: Mapping[str, Any] | None, authorization: str | None) -> str | None:
    if operation_id == LOGIN_OPERATION:
        user = (body or {}).get("userId")
        return user if isinstance(user, str) else None
    return token_subject(authorization)


def _facts(answer: Answer) -> dict[str, Any]:
    """A status-0 bill's BILLID and GRZFJE3: what CLI-2 holds a settlement to."""
    if not answer.succeeded:
        return {}
    return {name: answer.field(name) for name in _BILL_FACTS if isinstance(answer.field(name), str)}


def _finding(
    found: ClientFinding, rule: Rule, by_id: Mapping[int, RecordedExchange], recorder: Recorder
) -> Finding:
    shown = [by_id[call_id] for call_id in found.calls if call_id in by_id] or list(by_id.values())[:1]
    first = shown[0]
    cited = ", ".join(item.citation for item in shown[:10])
    more = f" and {found.count - 10} more" if found.count > 10 else ""
    exchange = dataclasses.replace(first.exchange, purpose=f"{first.exchange.purpose}, the client's request")
    return Finding(
        rule_id=found.rule,
        basis=recorder.profile.basis_for(rule, found.basis),
        severity=rule.severity,
        title=rule.title,
        expected=rule.title,
        received=f"{found.message} (recorded {cited}{more})",
        kind=",".join(str(call_id) for call_id in found.calls[:10]),
        operation_id=first.exchange.operation_id,
        exchange=exchange,
        side=CLIENT_SIDE,
    )
