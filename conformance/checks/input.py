"""INP-1 (invalid input answers status 5) and INP-2 (an unknown registration is no bill).

INP-1 as CONTRACT.md reads it: malformed JSON, an empty or non-object body, a missing field or
a wrong JSON type need status 5, never 0, never a 5xx. Edge input the document does not settle
(an empty required string, a lone surrogate escape, a string of several KiB, a string of the
wrong format) must never get status 0 or a 5xx either, but another non-zero status than 5 (6
用户名或密码错误 for an empty userId) is a correct reading: advice, not a failure.
"""

from __future__ import annotations

from conformance.answer import AnswerKind
from conformance.checks._support import answered
from conformance.classify import classify_body
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import InputKind, InvalidInput, Recorded, UnknownRegistration
from conformance.registry import CheckContext, check
from his_contract import Basis

_EXPECTED = "status 5 (入参参数错误): never 0, never a 5xx"
_EXPECTED_EDGE = "edge input: never status 0, never a 5xx; status 5 (入参参数错误) is what the kit recommends"
RECOMMENDED_UNKNOWN_STATUS = 6


def input_kind(ctx: CheckContext, exchange: Exchange) -> InputKind | None:
    """The kind of invalid input the request is: declared by the probe, or read from a recorded one."""
    intent = ctx.intent
    if isinstance(intent, InvalidInput):
        return intent.kind
    if exchange.operation_id not in ctx.contract.operations:
        return None
    return classify_body(exchange.request.body, ctx.contract.request_validator(exchange.operation_id))


def _judges_invalid_input(ctx: CheckContext, exchange: Exchange) -> bool:
    return answered(ctx, exchange) and input_kind(ctx, exchange) is not None


@check("INP-1", intents=(InvalidInput, Recorded), when=_judges_invalid_input)
def invalid_input_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Status 5 for invalid input; for edge input any non-zero status short of a 5xx is at most advice."""
    kind = input_kind(ctx, exchange)
    assert kind is not None
    answer = ctx.answer
    expected = _EXPECTED_EDGE if kind.edge else _EXPECTED
    if answer.server_error:
        return ctx.finding(exchange, kind=f"{kind}:5xx", expected=expected)
    if answer.status == 0:
        return ctx.finding(exchange, kind=f"{kind}:status-0", expected=expected)
    if answer.kind is AnswerKind.HTTP_INVALID_INPUT or answer.status == 5:
        return None
    got = f"status-{answer.status}" if answer.status is not None else str(answer.kind).replace(" ", "-")
    basis = Basis.ADVICE if kind.edge else None
    return ctx.finding(exchange, kind=f"{kind}:{got}", expected=expected, basis=basis)


@check("INP-2", intents=(UnknownRegistration,), when=answered)
def unknown_registration_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """A non-zero status and no bill; 6 (His内部验证错误) is the status the kit recommends."""
    answer = ctx.answer
    expected = "a non-zero status (6, His内部验证错误), no bill"
    if answer.status == 0 or (answer.status is None and answer.kind is not AnswerKind.HTTP_INVALID_INPUT):
        return ctx.finding(exchange, kind="not-refused", expected=expected)
    if answer.status == RECOMMENDED_UNKNOWN_STATUS:
        return None
    return ctx.finding(exchange, kind=f"status-{answer.status}", expected=expected, basis=Basis.ADVICE)
