"""The settlement's money guards: someone else's bill (SET-6), concurrent settlements (SET-7), and the
settlement accepted as real clients send it (INP-3). The flow (`conformance.flows`) calls these.

    SET-6  the correct body with another CardNo, then another BILLID: refused, the bill still offered
    SET-7  the real settlement as N simultaneous requests (half one SerialNumber, half distinct),
           each on its own connection; the flow adds the identical replay and the bill read afterwards
    INP-3  that settlement carries only the required fields, PayWay 微信支付 and an unknown extra
           field; refused with status 5 by every request, variants find out which of these the
           server rejects (the first one accepted is the run's settlement)

These functions only send and tag; the checks of `conformance.checks` judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.answer import Answer, AnswerKind, read_answer
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
from conformance.intents import BillAfterSomeoneElses, Settle, SettlementVariant, SomeoneElses
from conformance.race import RaceRequest, send_together
from conformance.session import Session

ACCEPTED_BODY = "required fields only, PayWay 微信支付, one unknown extra field"


@dataclass(slots=True, frozen=True)
class Attempt:
    """One settlement request: what was sent, and what came back as the profile reads it."""

    body: Mapping[str, Any]
    exchange: Exchange
    answer: Answer


def accepted_body(session: Session, full: Mapping[str, Any]) -> dict[str, Any]:
    """INP-3's shape of the real settlement: the required fields, 微信支付, one unknown extra field."""
    required = list(session.contract.request_schema(SETTLEMENT_OPERATION).get("required", []))
    return with_extra_field({**required_only(full, required), "PayWay": CHINESE_PAY_WAY})


def someone_elses_bill(session: Session, bill: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """SET-6: another card, then another BILLID; True while the bill is still offered afterwards."""
    serial = str(right["SerialNumber"])
    for name, suffix in (("CardNo", "C"), ("BILLID", "B")):
        wrong = {**right, name: changed(str(right[name])), "SerialNumber": serial + suffix}
        purpose = f"settle with a {name} that is not the registration's"
        _, answer = session.call(
            SETTLEMENT_OPERATION, wrong, intent=SomeoneElses(bill=bill, changed=name, purpose=purpose)
        )
        if answer.kind is AnswerKind.NO_RESPONSE:
            continue
        _, after = session.call(
            BILL_OPERATION,
            {"RegNo": session.target.reg_no},
            intent=BillAfterSomeoneElses(bill=bill, changed=name, purpose=f"the bill after: {purpose}"),
        )
        if not (after.succeeded and after.field("BILLID") == bill["BILLID"]):
            return False
    return True


def settle_concurrently(session: Session, right: Mapping[str, Any], size: int) -> list[Attempt]:
    """SET-7's race, sent but not yet judged: `size` settlements at once, half `right`, half distinct."""
    identical = (size + 1) // 2
    serial = str(right["SerialNumber"])
    bodies: list[Mapping[str, Any]] = [right] * identical
    bodies += [{**right, "SerialNumber": f"{serial}R{number}"} for number in range(1, size - identical + 1)]
    requests = []
    for index, body in enumerate(bodies, start=1):
        path, headers, payload = session.request_parts(SETTLEMENT_OPERATION, body)
        kind = "the shared SerialNumber" if index <= identical else "a distinct SerialNumber"
        purpose = f"settlement {index} of {size} sent at the same time ({kind})"
        requests.append(RaceRequest(SETTLEMENT_OPERATION, path, headers, payload or b"", purpose))
    exchanges = send_together(session.transport, requests)
    return [
        Attempt(body, exchange, read_answer(exchange, session.contract, session.profile))
        for body, exchange in zip(bodies, exchanges, strict=True)
    ]


def refused_with_5(answer: Answer) -> bool:
    return answer.kind is AnswerKind.HTTP_INVALID_INPUT or (
        answer.kind is AnswerKind.ENVELOPE and answer.status == 5
    )


def diagnose_refusal(
    session: Session, right: Mapping[str, Any], bill: Mapping[str, Any]
) -> tuple[str, Attempt | None]:
    """The settlement was refused with status 5: which of its features does the server reject?

    Each variant changes one feature (then all three at once). The first one accepted is the run's
    settlement (judged as SET-2's); it is returned with the sentence the INP-3 finding ends with.
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
        purpose = f"INP-3 variant of the refused settlement: {change}"
        exchange = session.send(SETTLEMENT_OPERATION, body, purpose=purpose)
        answer = read_answer(exchange, session.contract, session.profile)
        if answer.succeeded:
            session.judge(exchange, Settle(bill=bill, purpose=purpose))
            return f"the server rejects {rejected} (accepted: {change})", Attempt(body, exchange, answer)
        session.judge(exchange, SettlementVariant(bill=bill, purpose=purpose))
        if answer.kind is AnswerKind.NO_RESPONSE:
            break
    return "every variant was refused too, even all fields with an ASCII PayWay and no extra field", None
