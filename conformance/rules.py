"""The rules of CONTRACT.md as plain functions over an exchange: what came back, and is it right?

`read_answer` interprets a response under a profile (an envelope, or one of the HTTP-level
answers the lenient profile accepts). `judge` applies the rules every response must keep
(ENV-1..5, SCH-1, SCH-2, SEM-1..5, TRN-1); the `expect_*` functions are the rules only a
targeted request can exercise (INP-*, AUTH-*). None of them sends anything: probes and flows
do, then ask these functions. Rule ids and titles come from the spec's `x-his-rules`, the
status catalogue from `x-his-error-codes`, the bill arithmetic from `his_contract.semantics`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conformance.contract import Contract
from conformance.http import PROBLEM_TEXT, Exchange, HttpResponse, Problem
from conformance.profiles import Profile
from conformance.results import Verdict
from his_contract.semantics import check_bill, check_receipt

ENVELOPE_KEYS = ("status", "isSuccess", "msg", "msgDev", "response")
BILL_RULES = ("SEM-1", "SEM-2", "SEM-3", "SEM-4", "SEM-5")
RECEIPT_RULES = ("SEM-1", "SEM-5")
_NUMERIC = re.compile(r"^[0-9]+$")
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_MAX_SCHEMA_ERRORS = 3


class AnswerKind(StrEnum):
    ENVELOPE = "envelope"
    HTTP_AUTH_FAILURE = "http 401"  # lenient: an auth failure as HTTP 401, with or without envelope
    HTTP_INVALID_INPUT = "http 400 problem"  # lenient: invalid input as a 400 ProblemDetails
    NOT_AN_ENVELOPE = "not an envelope"
    NO_RESPONSE = "no response"


@dataclass(slots=True, frozen=True)
class Envelope:
    """The decoded envelope; `status` is None when it cannot be read as a catalogue integer."""

    document: Mapping[str, Any]
    status: int | None

    @property
    def response(self) -> Any:
        return self.document.get("response")


@dataclass(slots=True, frozen=True)
class Answer:
    """How a response reads under a profile."""

    kind: AnswerKind
    envelope: Envelope | None
    summary: str  # what came back, in a few words, for a finding's "received"

    @property
    def status(self) -> int | None:
        return self.envelope.status if self.envelope is not None else None

    @property
    def succeeded(self) -> bool:
        return self.kind is AnswerKind.ENVELOPE and self.status == 0


def read_answer(exchange: Exchange, contract: Contract, profile: Profile) -> Answer:
    """Interpret the response of `exchange` (never raises, whatever the server sent)."""
    response = exchange.response
    if response is None or exchange.problem is not None:
        problem = exchange.problem or Problem.CONNECTION
        return Answer(AnswerKind.NO_RESPONSE, None, PROBLEM_TEXT[problem])
    envelope = _decode_envelope(response.body, profile, contract.spec.status_codes)
    if response.status == 401 and profile.accepts_http_401_auth_failure:
        return Answer(AnswerKind.HTTP_AUTH_FAILURE, envelope, _summary(response, envelope))
    if (
        response.status == 400
        and response.media_type == "application/problem+json"
        and profile.accepts_problem_json_invalid_input
    ):
        return Answer(AnswerKind.HTTP_INVALID_INPUT, None, _summary(response, None))
    if envelope is None:
        return Answer(AnswerKind.NOT_AN_ENVELOPE, None, _summary(response, None))
    return Answer(AnswerKind.ENVELOPE, envelope, _summary(response, envelope))


def judge(exchange: Exchange, answer: Answer, contract: Contract, profile: Profile) -> list[Verdict]:
    """The rules every response of every phase must keep."""
    verdicts = [transport_verdict(exchange)]
    verdicts += envelope_verdicts(exchange, answer, profile)
    if answer.succeeded and exchange.operation_id in contract.operations:
        verdicts += schema_verdicts(exchange.operation_id, answer, contract, profile)
        verdicts += semantic_verdicts(exchange.operation_id, answer, contract, profile)
    return verdicts


def transport_verdict(exchange: Exchange) -> Verdict:
    """TRN-1: an answer within the timeout."""
    if exchange.problem is Problem.TIMEOUT:
        return Verdict("TRN-1", False, f"{PROBLEM_TEXT[Problem.TIMEOUT]} ({exchange.elapsed:.1f} s)")
    return Verdict("TRN-1", True)


def envelope_verdicts(exchange: Exchange, answer: Answer, profile: Profile) -> list[Verdict]:
    """ENV-1..5 on one response."""
    response = exchange.response
    if answer.kind is AnswerKind.NO_RESPONSE:
        if exchange.problem is Problem.TIMEOUT:
            return []  # TRN-1 owns it
        return [Verdict("ENV-1", False, answer.summary)]
    assert response is not None
    if answer.kind in (AnswerKind.HTTP_AUTH_FAILURE, AnswerKind.HTTP_INVALID_INPUT):
        return []  # the lenient profile accepts these answers as they are
    if answer.kind is AnswerKind.NOT_AN_ENVELOPE:
        if response.status >= 500:
            return [Verdict("ENV-5", False, answer.summary)]
        return [Verdict("ENV-1", False, f"not a JSON envelope: {answer.summary}")]
    assert answer.envelope is not None
    document = answer.envelope.document
    status = answer.envelope.status
    verdicts = [Verdict("ENV-5", True)]

    problems = []
    text_plain_ok = profile.accepts_text_plain_error_envelope and status not in (None, 0)
    if response.media_type != "application/json" and not (
        text_plain_ok and response.media_type == "text/plain"
    ):
        problems.append(f"Content-Type {response.header('Content-Type') or '(none)'}")
    missing = [key for key in ENVELOPE_KEYS if key not in document]
    if missing:
        problems.append(f"missing key(s) {', '.join(missing)}")
    verdicts.append(Verdict("ENV-1", not problems, "; ".join(problems)))

    raw_status = document.get("status")
    verdicts.append(
        Verdict("ENV-2", status is not None, f"status {json.dumps(raw_status, ensure_ascii=False)}")
    )

    is_success = document.get("isSuccess")
    if not isinstance(is_success, bool):
        verdicts.append(Verdict("ENV-3", False, f"isSuccess {json.dumps(is_success)} is not a boolean"))
    elif status is not None:
        verdicts.append(
            Verdict(
                "ENV-3",
                is_success == (status == 0),
                f"isSuccess {json.dumps(is_success)} with status {status}",
            )
        )

    msg, msg_dev = document.get("msg"), document.get("msgDev")
    env4 = []
    if not isinstance(msg, str):
        env4.append(f"msg {json.dumps(msg, ensure_ascii=False)} is not a string")
    elif status not in (None, 0) and not msg.strip():
        env4.append(f"msg is empty with status {status}")
    if "msgDev" in document and msg_dev is not None and not isinstance(msg_dev, str):
        env4.append(f"msgDev {json.dumps(msg_dev, ensure_ascii=False)} is neither a string nor null")
    verdicts.append(Verdict("ENV-4", not env4, "; ".join(env4)))
    return verdicts


def schema_verdicts(operation_id: str, answer: Answer, contract: Contract, profile: Profile) -> list[Verdict]:
    """SCH-1 (shape) and SCH-2 (amounts) of a success envelope's `response`."""
    assert answer.envelope is not None
    operation = contract.operation(operation_id)
    document = dict(answer.envelope.document)
    document["status"] = answer.envelope.status  # ENV-2 owns how status is written
    document["response"] = normalised_payload(answer.envelope.response, profile)
    shape: list[str] = []
    amounts: list[str] = []
    for error in contract.success_validator(operation_id).iter_errors(document):
        path = list(error.absolute_path)
        if not path or path[0] != "response":
            continue  # the envelope's own fields are ENV-*'s business
        where = _path(path)
        if contract.is_amount_schema(error.schema):
            amounts.append(
                f"{where}: {json.dumps(error.instance, ensure_ascii=False)} is not a decimal amount"
            )
        else:
            shape.append(f"{where}: {_schema_message(error.message)}")
    verdicts = [Verdict("SCH-1", not shape, _first(shape))]
    if operation.has_amounts:
        verdicts.append(Verdict("SCH-2", not amounts, _first(amounts)))
    return verdicts


def semantic_verdicts(
    operation_id: str, answer: Answer, contract: Contract, profile: Profile
) -> list[Verdict]:
    """SEM-1..5 on a bill, SEM-1 and SEM-5 on a receipt."""
    assert answer.envelope is not None
    payload = normalised_payload(answer.envelope.response, profile)
    if not isinstance(payload, Mapping):
        return []
    kind = contract.operation(operation_id).payload
    rule_ids: tuple[str, ...]
    if kind == "Bill":
        violations, rule_ids = check_bill(payload), BILL_RULES
    elif kind == "Receipt":
        violations, rule_ids = check_receipt(payload), RECEIPT_RULES
    else:
        return []
    by_rule: dict[str, list[str]] = {rule_id: [] for rule_id in rule_ids}
    for violation in violations:
        by_rule.setdefault(violation.rule_id, []).append(f"{violation.location}: {violation.message}")
    return [Verdict(rule_id, not found, _first(found)) for rule_id, found in by_rule.items()]


def normalised_payload(payload: Any, profile: Profile) -> Any:
    """The payload as the strict contract spells it, where the profile accepts another spelling."""
    if not profile.accepts_capitalised_items or not isinstance(payload, Mapping):
        return payload
    payload = copy.deepcopy(dict(payload))
    for detail in _list(payload.get("FeeDetail")):
        for category in _list(detail.get("FeeCat") if isinstance(detail, Mapping) else None):
            if isinstance(category, dict) and "Items" in category and "items" not in category:
                category["items"] = category.pop("Items")
    return payload


# --- Rules only a targeted request exercises -------------------------------------------------


def expect_invalid_input(exchange: Exchange, answer: Answer, profile: Profile) -> Verdict | None:
    """INP-1: invalid input answers status 5, never 0, never a 5xx (not even an HTTP 500 saying status 5)."""
    if answer.kind is AnswerKind.NO_RESPONSE or exchange.response is None:
        return None  # TRN-1 or ENV-1 already says why there is nothing to judge
    server_error = exchange.response.status >= 500
    if not server_error and (answer.kind is AnswerKind.HTTP_INVALID_INPUT or answer.status == 5):
        return Verdict("INP-1", True)
    return Verdict("INP-1", False, answer.summary, "status 5 (入参参数错误): never 0, never a 5xx")


def expect_unknown_registration(answer: Answer, profile: Profile) -> Verdict | None:
    """INP-2: an unknown registration gets a non-zero status (6 in the strict profile), never a bill."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    wanted = {6} if profile.name == "strict" else None
    ok = answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)
    if ok and wanted is not None:
        ok = answer.status in wanted
    return Verdict("INP-2", ok, answer.summary, "a non-zero status (6, His内部验证错误), no bill")


def expect_auth_failure(rule_id: str, code: int, answer: Answer, profile: Profile) -> Verdict | None:
    """AUTH-3 (status 1) / AUTH-4 (status 3): the protected call is refused with that status."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    if answer.kind is AnswerKind.HTTP_AUTH_FAILURE:
        ok = answer.status != 0
    else:
        ok = answer.kind is AnswerKind.ENVELOPE and answer.status == code
    expected = f"status {code}, never 0" + (" (or HTTP 401)" if profile.accepts_http_401_auth_failure else "")
    return Verdict(rule_id, ok, answer.summary, expected)


def expect_login_refused(answer: Answer, profile: Profile) -> Verdict | None:
    """AUTH-2: a wrong password gets a non-zero status and no token."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    if answer.kind is AnswerKind.HTTP_AUTH_FAILURE:
        return Verdict("AUTH-2", answer.status != 0, answer.summary)
    ok = answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)
    received = answer.summary
    if ok and answer.envelope is not None and isinstance(answer.envelope.response, str):
        if _JWT.match(answer.envelope.response):
            ok, received = False, f"{received}, yet a token in `response`"
    return Verdict("AUTH-2", ok, received)


def expect_token(answer: Answer) -> Verdict:
    """AUTH-1: status 0 and a JWT whose header's `alg` is not `none`."""
    if not answer.succeeded or answer.envelope is None:
        return Verdict("AUTH-1", False, answer.summary)
    token = answer.envelope.response
    if not isinstance(token, str) or not _JWT.match(token):
        return Verdict("AUTH-1", False, f"`response` is {json.dumps(token)[:80]}, not a JWT")
    header = jwt_header(token)
    if header is None:
        return Verdict("AUTH-1", False, "the token's header is not base64url-encoded JSON")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        return Verdict("AUTH-1", False, f"the token's header says alg {json.dumps(alg)}")
    return Verdict("AUTH-1", True)


def expect_token_accepted(answer: Answer) -> Verdict | None:
    """AUTH-5: the login token, sent as `Bearer <token>`, is not refused as an auth failure."""
    if answer.kind is AnswerKind.NO_RESPONSE:
        return None
    refused = answer.kind is AnswerKind.HTTP_AUTH_FAILURE or answer.status in (1, 3)
    return Verdict(
        "AUTH-5", not refused, answer.summary, "the token accepted: not status 1 or 3, not HTTP 401"
    )


def jwt_header(token: str) -> dict[str, Any] | None:
    """The decoded header of a JWT, or None."""
    try:
        segment = token.split(".", 1)[0]
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


# --- Helpers ---------------------------------------------------------------------------------


def _decode_envelope(body: bytes, profile: Profile, catalogue: frozenset[int]) -> Envelope | None:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or "status" not in document:
        return None
    return Envelope(document, _status(document.get("status"), profile, catalogue))


def _status(raw: object, profile: Profile, catalogue: frozenset[int]) -> int | None:
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and profile.accepts_numeric_string_status and _NUMERIC.match(raw):
        value = int(raw)
    if value is None or value not in catalogue:
        return None
    return value


def _summary(response: HttpResponse, envelope: Envelope | None) -> str:
    head = f"HTTP {response.status}, {response.media_type or 'no Content-Type'}"
    if envelope is not None:
        document = envelope.document
        msg = document.get("msg")
        text = f"{head}, status {json.dumps(document.get('status'), ensure_ascii=False)}"
        if isinstance(msg, str) and msg:
            text += f", msg {json.dumps(msg[:120], ensure_ascii=False)}"
        return text
    if not response.body:
        return f"{head}, empty body"
    snippet = response.body[:120].decode("utf-8", errors="replace").replace("\n", " ")
    return f"{head}, body {json.dumps(snippet, ensure_ascii=False)}"


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_message(message: str) -> str:
    return message if len(message) <= 160 else message[:160] + "…"


def _first(messages: list[str]) -> str:
    shown = "; ".join(messages[:_MAX_SCHEMA_ERRORS])
    if len(messages) > _MAX_SCHEMA_ERRORS:
        shown += f"; and {len(messages) - _MAX_SCHEMA_ERRORS} more"
    return shown


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
