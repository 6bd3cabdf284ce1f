"""Probes with values real traffic carries and schema fuzzing misses: INP-2, INP-3, boundary values.

- INP-2: lookalikes of --reg-no (a prefix, one character more, `%`, `_`, `'`, an injection):
  a deployment that answers one with a bill is matching, not looking up.
- INP-3: login and GetUnSettleBillByDoctor with one unknown extra field, with the real
  credentials and registration: the answer must not be status 5.
- Boundary values (64, 256, 4,096 characters; 𠀀, an emoji, a combining mark, RLM, NUL,
  full-width digits) in every string field of otherwise valid requests: any status, but an
  envelope (ENV-1, ENV-5 judge every answer) and never status 0 with a result (INP-1).

The checks are `conformance.checks.input`'s; these functions only send, tagged with the intent.
"""

from __future__ import annotations

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION
from conformance.edge import BOUNDARY_VALUES, lookalike_registrations, with_extra_field
from conformance.intents import BoundaryValue, UnknownRegistration, ValidRequest
from conformance.probes import valid_body
from conformance.session import Session


def lookalike_probes(session: Session) -> None:
    """INP-2: no lookalike of --reg-no gets a bill."""
    for purpose, reg_no in lookalike_registrations(session.target.reg_no):
        session.call(
            BILL_OPERATION, {"RegNo": reg_no}, intent=UnknownRegistration(variant=purpose, purpose=purpose)
        )


def accepted_request_probes(session: Session) -> None:
    """INP-3: the real login and the real bill request, each with one unknown extra field."""
    target = session.target
    _, answer = session.call(
        LOGIN_OPERATION,
        with_extra_field({"userId": target.user_id, "password": target.password}),
        intent=ValidRequest(purpose="login with the given credentials and one unknown extra field"),
    )
    if answer.succeeded and isinstance(answer.payload, str):
        session.recorder.redactor.add_token(answer.payload)
    session.call(
        BILL_OPERATION,
        with_extra_field({"RegNo": target.reg_no}),
        intent=ValidRequest(purpose="the bill of --reg-no, asked with one unknown extra field"),
    )


def boundary_probes(session: Session, operation_id: str) -> None:
    """Every documented field of `operation_id`, one boundary value at a time, in an otherwise valid body."""
    valid = valid_body(session, operation_id)
    properties = session.contract.request_schema(operation_id).get("properties", {})
    for name in properties:  # every documented field is a string
        for label, value in BOUNDARY_VALUES:
            intent = BoundaryValue(field=name, label=label, purpose=f"boundary value in {name}: {label}")
            session.call(operation_id, {**valid, name: value}, intent=intent)
