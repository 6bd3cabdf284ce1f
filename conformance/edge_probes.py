"""Probes with values real traffic carries and schema fuzzing misses: INP-2, INP-3, boundary values.

- INP-2: lookalikes of --reg-no (a prefix, one character more, `%`, `_`, `'`, an injection):
  a deployment that answers one with a bill is matching, not looking up.
- INP-3: login and GetUnSettleBillByDoctor with one unknown extra field, with the real
  credentials and registration: the answer must not be status 5.
- Boundary values (64, 256, 4,096 characters; 𠀀, an emoji, a combining mark, RLM, NUL,
  full-width digits) in every string field of otherwise valid requests: any status, but an
  envelope (ENV-1, ENV-5 judge every answer) and never status 0 with a result (INP-1's reading
  of edge input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION
from conformance.edge import boundary_bodies, lookalike_registrations, with_extra_field
from conformance.probes import valid_body
from conformance.results import Verdict
from conformance.rules import Answer, AnswerKind
from conformance.session import Session

ACCEPTED_EXPECTED = (
    "a valid request accepted (status 0 with real credentials and registration): never status 5"
)


def lookalike_probes(session: Session, bill: Mapping[str, Any] | None) -> None:
    """INP-2: no lookalike of --reg-no gets a bill."""
    for purpose, reg_no in lookalike_registrations(session.target.reg_no):
        exchange, answer = session.call(BILL_OPERATION, {"RegNo": reg_no}, purpose=purpose)
        session.record(exchange, [lookalike_verdict(answer, bill)])


def lookalike_verdict(answer: Answer, bill: Mapping[str, Any] | None) -> Verdict | None:
    """INP-2 on a lookalike: a non-zero status; a bill (above all the bill of --reg-no) is a finding."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    if not answer.succeeded:
        refused = answer.kind is not AnswerKind.NOT_AN_ENVELOPE
        return Verdict("INP-2", True) if refused else None  # a page, not an envelope: ENV-1/ENV-5's
    payload = answer.envelope.response if answer.envelope is not None else None
    received = answer.summary
    if bill is not None and isinstance(payload, Mapping) and payload.get("BILLID") == bill.get("BILLID"):
        received += f", the bill of --reg-no (BILLID {bill.get('BILLID')!r})"
    return Verdict("INP-2", False, received, "a non-zero status (6, His内部验证错误), no bill")


def accepted_request_probes(session: Session) -> None:
    """INP-3: the real login and the real bill request, each with one unknown extra field."""
    target = session.target
    exchange, answer = session.call(
        LOGIN_OPERATION,
        with_extra_field({"userId": target.user_id, "password": target.password}),
        purpose="login with the given credentials and one unknown extra field",
    )
    if answer.succeeded and answer.envelope is not None and isinstance(answer.envelope.response, str):
        session.recorder.redactor.add_token(answer.envelope.response)
    session.record(exchange, [accepted_verdict(answer, "login")])
    exchange, answer = session.call(
        BILL_OPERATION,
        with_extra_field({"RegNo": target.reg_no}),
        purpose="the bill of --reg-no, asked with one unknown extra field",
    )
    session.record(exchange, [accepted_verdict(answer, "the bill request")])


def accepted_verdict(answer: Answer, what: str) -> Verdict | None:
    """INP-3: a valid request is never refused as invalid input (status 5, or a 400 ProblemDetails)."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    refused = answer.kind is AnswerKind.HTTP_INVALID_INPUT or (
        answer.kind is AnswerKind.ENVELOPE and answer.status == 5
    )
    return Verdict(
        "INP-3",
        not refused,
        f"{what} refused as invalid input: {answer.summary}",
        ACCEPTED_EXPECTED,
    )


def boundary_probes(session: Session, operation_id: str) -> None:
    """Every string field of `operation_id`, one boundary value at a time, in an otherwise valid body."""
    valid = valid_body(session, operation_id)
    for purpose, body in boundary_bodies(valid, string_fields(session, operation_id)):
        exchange, answer = session.call(operation_id, body, purpose=purpose)
        session.record(exchange, [edge_input_verdict(answer)])


def edge_input_verdict(answer: Answer) -> Verdict | None:
    """INP-1's reading of edge input: any non-zero status; status 0 with a result is a finding."""
    if answer.kind is AnswerKind.NO_RESPONSE or answer.kind is AnswerKind.NOT_AN_ENVELOPE:
        return None  # TRN-1, ENV-1 or ENV-5 say what is wrong
    if not answer.succeeded:
        return Verdict("INP-1", True)
    return Verdict(
        "INP-1",
        False,
        f"{answer.summary}: a boundary value that names nothing real was answered with a result",
        "any non-zero status (or an envelope with status 5): never status 0 with a result",
    )


def string_fields(session: Session, operation_id: str) -> list[str]:
    """The request schema's properties, required or not: every documented field is a string."""
    properties = session.contract.request_schema(operation_id).get("properties", {})
    return [name for name in properties if isinstance(name, str)]
