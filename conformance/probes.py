"""Targeted requests: login and the token (AUTH-1, AUTH-5), forged tokens (AUTH-2..4), bad input (INP-*).

Each probe sends one request through the session, tagged with its intent (a wrong password, a
forged token of a named variant, invalid input of a named kind ...); the session runs every
check that applies, the rule the probe targets among them. The run's start (`login`,
`fetch_bill`) also decides whether a run is possible at all: an unreachable server, refused
credentials or a registration without a bill are the suite's own errors (exit 2), not findings.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.answer import AnswerKind
from conformance.contract import BILL_OPERATION, LOGIN_OPERATION, SETTLEMENT_OPERATION
from conformance.errors import LoginImpossible, RegistrationUnusable, RunAborted, ServerUnreachable
from conformance.http import Problem
from conformance.intents import (
    ExpiredToken,
    ForgedToken,
    InputKind,
    InvalidInput,
    Plain,
    UnknownRegistration,
    WrongPassword,
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
# An over-long value (3,000 characters, past `classify.LONG_STRING`): edge input; a deployment's
# column may refuse it with any non-zero status. Digits, so it reads as a (far too long)
# registration or card number.
LONG_VALUE = "9" * 3000


def login(session: Session) -> None:
    """AUTH-1: log in with the given credentials and keep the token for every protected call."""
    target = session.target
    exchange, answer = session.call(
        LOGIN_OPERATION,
        {"userId": target.user_id, "password": target.password},
        intent=Plain(purpose="login with the given credentials"),
    )
    if answer.kind is AnswerKind.NO_RESPONSE:
        if exchange.problem is Problem.CONNECTION:
            raise ServerUnreachable(
                f"cannot reach {target.base_url}: no HTTP answer to POST /api/Login/Token"
            )
        raise RunAborted("the login did not answer, so no protected call can be made")
    refused = answer.kind is AnswerKind.HTTP_AUTH_FAILURE or (
        answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)
    )
    if refused:
        raise LoginImpossible(
            f"login as {target.user_id!r} refused ({answer.summary}): check --user-id/--password"
            " (or HIS_USER_ID/HIS_PASSWORD)"
        )
    token = answer.envelope.response if answer.envelope is not None else None
    if not isinstance(token, str) or not token:
        raise RunAborted("the login answered no token, so no protected call can be made")
    session.token = token
    session.recorder.redactor.add_token(token)


def fetch_bill(session: Session, *, purpose: str = "fetch the bill of --reg-no") -> Mapping[str, Any] | None:
    """AUTH-5: the token is accepted; returns the unsettled bill of --reg-no (or None if refused)."""
    target = session.target
    _, answer = session.call(BILL_OPERATION, {"RegNo": target.reg_no}, intent=Plain(purpose=purpose))
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
    session.call(
        LOGIN_OPERATION,
        {"userId": target.user_id, "password": wrong},
        intent=WrongPassword(purpose="login with a wrong password"),
    )

    body = {"RegNo": target.reg_no}
    for purpose, authorization in forged_authorizations(session.token):
        intent = ForgedToken(variant=purpose, purpose=purpose)
        session.call(BILL_OPERATION, body, authorization=authorization, intent=intent)

    if target.expired_token:
        session.recorder.redactor.add_token(target.expired_token, "${HIS_EXPIRED_TOKEN}")
        session.call(
            BILL_OPERATION,
            body,
            authorization=f"Bearer {target.expired_token}",
            intent=ExpiredToken(purpose="an expired token"),
        )
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
        for intent, raw, body in invalid_bodies(session, operation_id, valid):
            session.call(operation_id, body, raw_body=raw, intent=intent)
    session.call(
        BILL_OPERATION,
        {"RegNo": UNKNOWN_REG_NO},
        intent=UnknownRegistration(purpose="a registration number that cannot exist"),
    )


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
) -> Iterator[tuple[InvalidInput, bytes | None, Any]]:
    """(intent, raw bytes or None, JSON body) of requests INP-1 judges: status 5, or for edge input
    at least no status 0 and no 5xx."""

    def invalid(kind: InputKind, purpose: str, name: str = "") -> InvalidInput:
        return InvalidInput(kind=kind, field=name, purpose=purpose)

    first = json.dumps(valid, ensure_ascii=False)
    yield (
        invalid(InputKind.MALFORMED_JSON, "malformed JSON (cut in the middle)"),
        first[: max(1, len(first) // 2)].encode(),
        None,
    )
    yield invalid(InputKind.EMPTY_BODY, "an empty body"), b"", None
    array = json.dumps([valid], ensure_ascii=False).encode()
    yield invalid(InputKind.NON_OBJECT, "a JSON array instead of an object"), array, None
    string = b'"' + first.replace('"', "'").encode() + b'"'
    yield invalid(InputKind.NON_OBJECT, "a JSON string instead of an object"), string, None
    schema = session.contract.request_schema(operation_id)
    required = [name for name in schema.get("required", []) if isinstance(name, str)]
    if required:
        name = required[0]
        # Python's json (and so many hand-rolled servers) reads NaN; JSON has no such literal.
        nan_body = json.dumps({**valid, name: float("nan")}, ensure_ascii=False)
        yield (
            invalid(InputKind.NAN_LITERAL, f"a NaN literal for {name} (not JSON, RFC 8259)", name),
            nan_body.encode(),
            None,
        )
        # The escape of a lone UTF-16 surrogate: valid JSON syntax, but no Unicode text (RFC 8259
        # 8.2); servers that decode it crash when they encode it again (a 5xx). Edge input.
        surrogate_body = json.dumps({**valid, name: "\ud800"}, ensure_ascii=True)
        yield (
            invalid(InputKind.LONE_SURROGATE, f"a lone surrogate (\\ud800) in {name}", name),
            surrogate_body.encode(),
            None,
        )
        # Edge input the document does not settle: an empty required string, an over-long value.
        yield invalid(InputKind.EMPTY_STRING, f"{name} is an empty string", name), None, {**valid, name: ""}
        long_purpose = f"{name} is {len(LONG_VALUE)} characters long"
        yield invalid(InputKind.LONG_STRING, long_purpose, name), None, {**valid, name: LONG_VALUE}
    for name in required:
        missing = {key: value for key, value in valid.items() if key != name}
        yield invalid(InputKind.MISSING_FIELD, f"required field {name} missing", name), None, missing
    for name in required[:3]:
        for label, wrong in WRONG_TYPES:
            purpose = f"{name} is {label}, not a string"
            yield invalid(InputKind.WRONG_TYPE, purpose, name), None, {**valid, name: wrong}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
