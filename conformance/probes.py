"""Targeted requests: login and the token (AUTH-1, AUTH-5), forged tokens (AUTH-2..4), bad input (INP-*).

Each probe sends one request through the session (so the response is also held to the rules every
response keeps) and adds the verdict of the rule it targets. The run's start (`login`,
`fetch_bill`) also decides whether a run is possible at all: an unreachable server, refused
credentials or a registration without a bill are the suite's own errors (exit 2), not findings.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, SETTLEMENT_OPERATION
from conformance.diagnosis import no_api_reason, unreachable_reason
from conformance.errors import LoginImpossible, RegistrationUnusable, ServerUnreachable
from conformance.rules import (
    AnswerKind,
    expect_auth_failure,
    expect_invalid_input,
    expect_login_refused,
    expect_token,
    expect_token_accepted,
    expect_unknown_registration,
)
from conformance.session import Session

WRONG_PASSWORD = "his-conformance-wrong-password"
# The password of the INP-1 login bodies: invalid input gets status 5 whatever the password, and
# these bodies (malformed, truncated, retyped) end up in findings, where the real one must not be.
PROBE_PASSWORD = "his-conformance-probe-password"
# A registration number no HIS issues: letters and a suffix no numbering scheme produces.
UNKNOWN_REG_NO = "HIS-CONFORMANCE-NO-SUCH-REGISTRATION-0"
# Values of the wrong JSON type for a string field.
WRONG_TYPES: tuple[tuple[str, Any], ...] = (
    ("a number", 1628214442),
    ("null", None),
    ("an object", {"x": "1"}),
)


class RunAborted(Exception):
    """Nothing further can be checked (no token, the server fell silent); the message says why."""


def login(session: Session) -> None:
    """AUTH-1: log in with the given credentials and keep the token for every protected call."""
    target = session.target
    exchange, answer = session.call(
        LOGIN_OPERATION,
        {"userId": target.user_id, "password": target.password},
        purpose="login with the given credentials",
    )
    unreachable = unreachable_reason(exchange, target.base_url)
    if unreachable is not None:
        raise ServerUnreachable(unreachable)
    no_api = no_api_reason(exchange, is_envelope=answer.envelope is not None)
    if no_api is not None:
        raise ServerUnreachable(no_api)
    if answer.kind is AnswerKind.NO_RESPONSE:
        raise RunAborted("the login did not answer, so no protected call can be made")
    refused = answer.kind is AnswerKind.HTTP_AUTH_FAILURE or (
        answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)
    )
    if refused:
        raise LoginImpossible(
            f"login as {target.user_id!r} refused ({answer.summary}): check --user-id/--password"
            " (or HIS_USER_ID/HIS_PASSWORD)"
        )
    session.record(exchange, [expect_token(answer)])
    token = answer.envelope.response if answer.envelope is not None else None
    if not isinstance(token, str) or not token:
        raise RunAborted("the login answered no token, so no protected call can be made")
    session.token = token
    session.recorder.redactor.add_token(token)


def fetch_bill(session: Session, *, purpose: str = "fetch the bill of --reg-no") -> Mapping[str, Any] | None:
    """AUTH-5: the token is accepted; returns the unsettled bill of --reg-no (or None if refused)."""
    target = session.target
    exchange, answer = session.call(BILL_OPERATION, {"RegNo": target.reg_no}, purpose=purpose)
    session.record(exchange, [expect_token_accepted(answer)])
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    if answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0, 1, 3):
        raise RegistrationUnusable(
            f"registration {target.reg_no!r} has no unsettled bill ({answer.summary}):"
            " --reg-no must name a registration with an unsettled bill"
        )
    if answer.succeeded and answer.envelope is not None and isinstance(answer.envelope.response, Mapping):
        return answer.envelope.response
    return None


def auth_probes(session: Session) -> None:
    """AUTH-2 (wrong password), AUTH-3 (missing, garbage, tampered, alg none, wrong scheme), AUTH-4."""
    target = session.target
    wrong = WRONG_PASSWORD if WRONG_PASSWORD != target.password else WRONG_PASSWORD + "-2"
    exchange, answer = session.call(
        LOGIN_OPERATION, {"userId": target.user_id, "password": wrong}, purpose="login with a wrong password"
    )
    session.record(exchange, [expect_login_refused(answer, session.profile)])

    body = {"RegNo": target.reg_no}
    for purpose, authorization in forged_authorizations(session.token):
        exchange, answer = session.call(BILL_OPERATION, body, authorization=authorization, purpose=purpose)
        session.record(exchange, [expect_auth_failure("AUTH-3", 1, answer, session.profile)])

    if target.expired_token:
        session.recorder.redactor.add_token(target.expired_token, "${HIS_EXPIRED_TOKEN}")
        exchange, answer = session.call(
            BILL_OPERATION, body, authorization=f"Bearer {target.expired_token}", purpose="an expired token"
        )
        session.record(exchange, [expect_auth_failure("AUTH-4", 3, answer, session.profile)])
    else:
        session.recorder.skip(
            ["AUTH-4"], "no expired token at hand: pass --expired-token JWT (automatic with --mock)"
        )


def forged_authorizations(token: str | None) -> Iterator[tuple[str, str | None]]:
    """(purpose, Authorization header value) pairs that must all be refused with status 1."""
    yield "no Authorization header", None
    yield "a garbage bearer token", "Bearer not-a-jwt"
    if token is None:
        return
    yield "the token under the wrong scheme (Token instead of Bearer)", f"Token {token}"
    parts = token.split(".")
    if len(parts) == 3:
        yield "a tampered payload with the original signature", f"Bearer {tamper(token)}"
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        yield "an alg: none token (no signature)", f"Bearer {header}.{parts[1]}."


def tamper(token: str) -> str:
    """The token with its payload changed (sub and a marker claim) and its signature kept."""
    header, payload, signature = token.split(".")
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        claims = None
    if isinstance(claims, dict):
        claims["sub"] = f"{claims.get('sub', '')}-tampered"
        claims["his-conformance"] = "tampered"
        forged = _b64(json.dumps(claims, separators=(",", ":")).encode())
    else:
        forged = payload[:-1] + ("A" if payload[-1:] != "A" else "B")
    return f"{header}.{forged}.{signature}"


def input_probes(session: Session, operation_ids: list[str]) -> None:
    """INP-1 on each operation (malformed, empty, non-object, wrong types, missing fields); INP-2."""
    for operation_id in operation_ids:
        valid = valid_body(session, operation_id)
        for purpose, raw, body in invalid_bodies(session, operation_id, valid):
            exchange, answer = session.call(operation_id, body, raw_body=raw, purpose=purpose)
            session.record(exchange, [expect_invalid_input(exchange, answer, session.profile)])
    exchange, answer = session.call(
        BILL_OPERATION, {"RegNo": UNKNOWN_REG_NO}, purpose="a registration number that cannot exist"
    )
    session.record(exchange, [expect_unknown_registration(answer, session.profile)])


def valid_body(session: Session, operation_id: str) -> dict[str, Any]:
    """A body that keeps the request schema, built around the user's data (never the real password)."""
    target = session.target
    if operation_id == LOGIN_OPERATION:
        return {"userId": target.user_id, "password": PROBE_PASSWORD}
    if operation_id == SETTLEMENT_OPERATION:
        return settle_body(session, bill=None, serial_number="HISCONF-INVALID-INPUT", money="0.00")
    return {"RegNo": target.reg_no}


def settle_body(
    session: Session, *, bill: Mapping[str, Any] | None, serial_number: str, money: str
) -> dict[str, Any]:
    """A SettleByDoctor body for --reg-no/--card-no and `bill` (placeholders where unknown)."""
    target = session.target
    body: dict[str, Any] = {
        "CardNo": target.card_no or "",
        "RegSerNo": target.reg_no,
        "PayWay": "微信支付",
        "PayNo": "his-conformance",
        "SerialNumber": serial_number,
        "Paydate": "2021-12-03",
        "Paytime": "10:15:32",
        "Money": money,
        "BILLID": "HISCONF-NO-SUCH-BILL",
    }
    if bill is not None:
        body["BILLID"] = bill.get("BILLID", body["BILLID"])
        if isinstance(bill.get("SERIAL_NO"), str):
            body["SERIAL_NO"] = bill["SERIAL_NO"]
    return body


def invalid_bodies(
    session: Session, operation_id: str, valid: dict[str, Any]
) -> Iterator[tuple[str, bytes | None, Any]]:
    """(purpose, raw bytes or None, JSON body) of requests that INP-1 says must answer status 5."""
    first = json.dumps(valid, ensure_ascii=False)
    yield "malformed JSON (cut in the middle)", first[: max(1, len(first) // 2)].encode(), None
    yield "an empty body", b"", None
    yield "a JSON array instead of an object", json.dumps([valid], ensure_ascii=False).encode(), None
    yield "a JSON string instead of an object", b'"' + first.replace('"', "'").encode() + b'"', None
    schema = session.contract.request_schema(operation_id)
    required = [name for name in schema.get("required", []) if isinstance(name, str)]
    if required:
        # Python's json (and so many hand-rolled servers) reads NaN; JSON has no such literal.
        nan_body = json.dumps({**valid, required[0]: float("nan")}, ensure_ascii=False)
        yield f"a NaN literal for {required[0]} (not JSON, RFC 8259)", nan_body.encode(), None
        # The escape of a lone UTF-16 surrogate: valid JSON syntax, but no Unicode text (RFC 8259
        # 8.2); servers that decode it crash when they encode it again (a 5xx) instead of status 5.
        surrogate_body = json.dumps({**valid, required[0]: "\ud800"}, ensure_ascii=True)
        yield f"a lone surrogate (\\ud800) in {required[0]}", surrogate_body.encode(), None
    for name in required:
        missing = {key: value for key, value in valid.items() if key != name}
        yield f"required field {name} missing", None, missing
    for name in required[:3]:
        for label, wrong in WRONG_TYPES:
            yield f"{name} is {label}, not a string", None, {**valid, name: wrong}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
