"""The settlement's money guards: someone else's bill (SET-6), concurrent settlements (SET-7), and the
settlement accepted as real clients send it (INP-3).

    SET-6  the correct body with another CardNo, then another BILLID: refused, the bill still offered
    SET-7  the real settlement as N simultaneous requests (half one SerialNumber, half distinct),
           then the identical replay: every status-0 answer one SerialNumber and one CheckOutNo,
           and the bill settled once
    INP-3  that settlement carries only the required fields, PayWay 微信支付 and an unknown extra
           field; refused with status 5 everywhere, variants find out which of these the server rejects
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.contract import BILL_OPERATION, SETTLEMENT_OPERATION
from conformance.edge import (
    ASCII_PAY_WAY,
    CHINESE_PAY_WAY,
    EXTRA_FIELD,
    changed,
    required_only,
    with_extra_field,
)
from conformance.http import Exchange
from conformance.race import RaceRequest, send_together
from conformance.results import Verdict
from conformance.rules import Answer, AnswerKind
from conformance.session import Session

ACCEPTED_BODY = "required fields only, PayWay 微信支付, one unknown extra field"


@dataclass(slots=True, frozen=True)
class Attempt:
    """One settlement request of the flow: what was sent and what came back."""

    body: Mapping[str, Any]
    exchange: Exchange
    answer: Answer

    @property
    def serial_number(self) -> Any:
        return self.body.get("SerialNumber")


def accepted_body(session: Session, full: Mapping[str, Any]) -> dict[str, Any]:
    """INP-3's shape of the real settlement: the required fields, 微信支付, one unknown extra field."""
    required = [name for name in session.contract.request_schema(SETTLEMENT_OPERATION).get("required", [])]
    return with_extra_field({**required_only(full, required), "PayWay": CHINESE_PAY_WAY})


def someone_elses_bill(session: Session, bill: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """SET-6: another card, then another BILLID; True while the bill is still offered afterwards."""
    serial = str(right["SerialNumber"])
    for purpose, wrong in (
        (
            "settle with another patient's CardNo",
            {**right, "CardNo": changed(str(right["CardNo"])), "SerialNumber": serial + "C"},
        ),
        (
            "settle with a BILLID that is not the registration's bill",
            {**right, "BILLID": changed(str(right["BILLID"])), "SerialNumber": serial + "B"},
        ),
    ):
        exchange, answer = session.call(SETTLEMENT_OPERATION, wrong, purpose=purpose)
        if answer.kind is AnswerKind.NO_RESPONSE:
            continue
        session.record(exchange, [refused_verdict("SET-6", answer, f"a non-zero status: {purpose}")])
        exchange, after = session.call(
            BILL_OPERATION, {"RegNo": session.target.reg_no}, purpose=f"the bill after: {purpose}"
        )
        still = after.succeeded and answer_field(after, "BILLID") == bill["BILLID"]
        session.record(
            exchange,
            [Verdict("SET-6", still, f"after '{purpose}': {after.summary}", "the bill still unsettled")],
        )
        if not still:
            return False
    return True


def settle_concurrently(session: Session, right: Mapping[str, Any], size: int) -> list[Attempt]:
    """SET-7's race: `size` settlements at once, the first half `right` itself, the rest distinct."""
    identical = (size + 1) // 2
    serial = str(right["SerialNumber"])
    bodies: list[Mapping[str, Any]] = [right] * identical
    bodies += [{**right, "SerialNumber": f"{serial}R{number}"} for number in range(1, size - identical + 1)]
    requests = []
    for index, body in enumerate(bodies, start=1):
        path, headers, payload = session.request_parts(SETTLEMENT_OPERATION, body)
        kind = "the shared SerialNumber" if index <= identical else "a distinct SerialNumber"
        requests.append(
            RaceRequest(
                SETTLEMENT_OPERATION,
                path,
                headers,
                payload or b"",
                f"settlement {index} of {size} sent at the same time ({kind})",
            )
        )
    exchanges = send_together(session.transport, requests)
    return [
        Attempt(body, exchange, session.receive(exchange))
        for body, exchange in zip(bodies, exchanges, strict=True)
    ]


def race_verdict(attempts: Sequence[Attempt], after: Answer | None, bill: Mapping[str, Any]) -> Verdict:
    """SET-7 over the race and the replay: one SerialNumber, one CheckOutNo, the bill settled once."""
    winners = [attempt for attempt in attempts if attempt.answer.succeeded]
    serials = {str(attempt.serial_number) for attempt in winners}
    check_out_numbers = {str(answer_field(attempt.answer, "CheckOutNo")) for attempt in winners}
    problems = []
    if len(serials) > 1:
        problems.append(f"{len(serials)} different SerialNumbers were each answered status 0 for one bill")
    if len(check_out_numbers) > 1:
        problems.append(f"{len(check_out_numbers)} different CheckOutNo for one bill")
    if winners and after is not None and after.succeeded and answer_field(after, "BILLID") == bill["BILLID"]:
        if answer_field(after, "BILLSTATUS") == bill.get("BILLSTATUS"):
            problems.append("the bill is still offered as unsettled afterwards")
    lines = []
    for number, attempt in enumerate(attempts, start=1):
        line = f"#{number} SerialNumber {attempt.serial_number}: {attempt.answer.summary}"
        if attempt.answer.succeeded:
            line += f", CheckOutNo {answer_field(attempt.answer, 'CheckOutNo')}"
        lines.append(line)
    received = "; ".join(problems) + ". Every answer: " + "; ".join(lines)
    return Verdict("SET-7", not problems, received)


def conflicting(attempts: Sequence[Attempt]) -> Attempt:
    """The attempt a SET-7 finding shows: the first success that contradicts the first one, else the last."""
    winners = [attempt for attempt in attempts if attempt.answer.succeeded]
    for attempt in winners[1:]:
        if attempt.serial_number != winners[0].serial_number or answer_field(
            attempt.answer, "CheckOutNo"
        ) != answer_field(winners[0].answer, "CheckOutNo"):
            return attempt
    return attempts[-1]


def refused_with_5(answer: Answer) -> bool:
    return answer.kind is AnswerKind.HTTP_INVALID_INPUT or (
        answer.kind is AnswerKind.ENVELOPE and answer.status == 5
    )


def diagnose_refusal(
    session: Session, right: Mapping[str, Any], bill: Mapping[str, Any]
) -> tuple[str, Attempt | None]:
    """The settlement was refused with status 5: which of its features does the server reject?

    Each variant changes one feature (then all three at once); the first one accepted settles the
    bill and is returned, with the sentence the INP-3 finding ends with.
    """
    serial = str(right["SerialNumber"])
    without_extra = {name: value for name, value in right.items() if name != EXTRA_FIELD[0]}
    optional = {"SERIAL_NO": bill["SERIAL_NO"]} if isinstance(bill.get("SERIAL_NO"), str) else {}
    # (what the variant changes, what an acceptance shows the server rejects, the body)
    variants: list[tuple[str, str, dict[str, Any]]] = [
        ("without the unknown extra field", "the unknown extra field", without_extra),
        (
            f"PayWay {ASCII_PAY_WAY} instead of {CHINESE_PAY_WAY}",
            f"the Chinese PayWay {CHINESE_PAY_WAY}",
            {**right, "PayWay": ASCII_PAY_WAY},
        ),
    ]
    if optional:
        variants.append(
            ("with the optional SERIAL_NO", "a body of the required fields only", {**right, **optional})
        )
    variants.append(
        (
            "all fields, ASCII PayWay, no extra field",
            "more than one of these",
            {**without_extra, **optional, "PayWay": ASCII_PAY_WAY},
        )
    )
    for number, (change, rejected, body) in enumerate(variants, start=1):
        body = {**body, "SerialNumber": f"{serial}V{number}"}
        exchange, answer = session.call(SETTLEMENT_OPERATION, body, purpose=f"INP-3 variant: {change}")
        if answer.succeeded:
            return f"the server rejects {rejected} (accepted: {change})", Attempt(body, exchange, answer)
        if answer.kind is AnswerKind.NO_RESPONSE:
            break
    return "every variant was refused too, even all fields with an ASCII PayWay and no extra field", None


def refused_verdict(rule_id: str, answer: Answer, expected: str) -> Verdict:
    refused = (answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)) or answer.kind in (
        AnswerKind.HTTP_AUTH_FAILURE,
        AnswerKind.HTTP_INVALID_INPUT,
    )
    return Verdict(rule_id, refused, answer.summary, expected)


def answer_field(answer: Answer, name: str) -> Any:
    payload = answer.envelope.response if answer.envelope is not None else None
    return payload.get(name) if isinstance(payload, Mapping) else None
