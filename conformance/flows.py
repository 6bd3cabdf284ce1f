"""The settlement flow (SET-1..5): only run when the user allows it, since it creates real records.

fetch the bill -> SET-1 wrong Money refused, bill still unsettled
               -> SET-2 correct settlement, receipt echoes card, registration and amounts
               -> SET-3 identical replay: same CheckOutNo or refused
               -> SET-4 new SerialNumber on the settled bill: refused
               -> SET-5 the bill is no longer offered as unsettled
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from conformance.contract import BILL_OPERATION, SETTLEMENT_OPERATION
from conformance.probes import settle_body
from conformance.results import Verdict
from conformance.rules import Answer, AnswerKind
from conformance.session import Session
from his_contract import format_amount, parse_amount

SETTLEMENT_RULES = ("SET-1", "SET-2", "SET-3", "SET-4", "SET-5")
ECHOED_FIELDS = ("CardNo", "RegSerNo")
REPEATED_AMOUNTS = ("SumFund", "SBZFJE", "GRZFJE3")


def settlement_flow(session: Session, bill: Mapping[str, Any] | None) -> None:
    """Run SET-1..5 against the bill of --reg-no."""
    recorder = session.recorder
    if bill is None:
        recorder.skip(SETTLEMENT_RULES, "no unsettled bill could be read for --reg-no")
        return
    cash = parse_amount(bill.get("GRZFJE3"))
    if cash is None or not isinstance(bill.get("BILLID"), str):
        recorder.skip(SETTLEMENT_RULES, "the bill of --reg-no has no readable GRZFJE3 or BILLID (see SCH-*)")
        return
    money = format_amount(cash)
    serial = unique_serial_number()

    # SET-1: the wrong amount is refused and leaves the bill unsettled.
    wrong = settle_body(
        session, bill=bill, serial_number=serial + "W", money=format_amount(cash + Decimal(1))
    )
    exchange, answer = session.call(SETTLEMENT_OPERATION, wrong, purpose="settle with Money != GRZFJE3")
    if answer.kind is not AnswerKind.NO_RESPONSE:
        session.record(exchange, [_refused("SET-1", answer, "a non-zero status for Money != GRZFJE3")])
        exchange, after = session.call(
            BILL_OPERATION, {"RegNo": session.target.reg_no}, purpose="bill after SET-1"
        )
        still = after.succeeded and _bill_id(after) == bill["BILLID"]
        session.record(
            exchange,
            [
                Verdict(
                    "SET-1",
                    still,
                    f"after the refused settlement: {after.summary}",
                    "the bill still unsettled",
                )
            ],
        )

    # SET-2: the correct settlement.
    right = settle_body(session, bill=bill, serial_number=serial, money=money)
    exchange, answer = session.call(SETTLEMENT_OPERATION, right, purpose="settle with Money == GRZFJE3")
    if answer.kind is AnswerKind.NO_RESPONSE:
        recorder.skip(SETTLEMENT_RULES[1:], "the settlement did not answer")
        return
    receipt = answer.envelope.response if answer.succeeded and answer.envelope is not None else None
    session.record(exchange, [receipt_verdict(session, bill, answer)])
    if not isinstance(receipt, Mapping):
        recorder.skip(("SET-3", "SET-4", "SET-5"), "the correct settlement (SET-2) did not succeed")
        return

    # SET-3: the identical replay never creates a second settlement.
    exchange, replay = session.call(SETTLEMENT_OPERATION, right, purpose="replay the identical settlement")
    if replay.kind is not AnswerKind.NO_RESPONSE:
        same = replay.succeeded and _field(replay, "CheckOutNo") == receipt.get("CheckOutNo")
        refused = replay.kind is AnswerKind.ENVELOPE and replay.status not in (None, 0)
        received = replay.summary
        if replay.succeeded and not same:
            received += (
                f", a new CheckOutNo {_field(replay, 'CheckOutNo')!r} (first: {receipt.get('CheckOutNo')!r})"
            )
        session.record(exchange, [Verdict("SET-3", same or refused, received)])

    # SET-4: a new SerialNumber on the settled bill is refused.
    again = settle_body(session, bill=bill, serial_number=serial + "N", money=money)
    exchange, answer = session.call(SETTLEMENT_OPERATION, again, purpose="settle the settled bill again")
    if answer.kind is not AnswerKind.NO_RESPONSE:
        session.record(exchange, [_refused("SET-4", answer, "a non-zero status for an already settled bill")])

    # SET-5: the bill is no longer offered as unsettled.
    exchange, after = session.call(
        BILL_OPERATION, {"RegNo": session.target.reg_no}, purpose="bill after settling"
    )
    if after.kind is not AnswerKind.NO_RESPONSE:
        offered = (
            after.succeeded
            and _bill_id(after) == bill["BILLID"]
            and _field(after, "BILLSTATUS") == bill.get("BILLSTATUS")
        )
        session.record(
            exchange, [Verdict("SET-5", not offered, f"{after.summary}, the same BILLID still offered")]
        )


def receipt_verdict(session: Session, bill: Mapping[str, Any], answer: Answer) -> Verdict:
    """SET-2: status 0; the receipt echoes card and registration, repeats the amounts, numbers itself."""
    if not answer.succeeded or answer.envelope is None or not isinstance(answer.envelope.response, Mapping):
        return Verdict("SET-2", False, answer.summary)
    receipt = answer.envelope.response
    target = session.target
    wrong = []
    for name, wanted in (("CardNo", target.card_no), ("RegSerNo", target.reg_no)):
        if receipt.get(name) != wanted:
            wrong.append(f"{name} {receipt.get(name)!r} (sent {wanted!r})")
    for name in REPEATED_AMOUNTS:
        if parse_amount(receipt.get(name)) != parse_amount(bill.get(name)) or receipt.get(name) is None:
            wrong.append(f"{name} {receipt.get(name)!r} (bill {bill.get(name)!r})")
    for name in ("CheckOutNo", "SerNo"):
        value = receipt.get(name)
        if not isinstance(value, str) or not value.strip():
            wrong.append(f"{name} {value!r} is empty")
    return Verdict("SET-2", not wrong, "; ".join(wrong))


def unique_serial_number() -> str:
    """A SerialNumber no earlier run used (WeChat's transaction ids are 28-32 characters)."""
    return f"HISCONF{time.time_ns()}"


def _refused(rule_id: str, answer: Answer, expected: str) -> Verdict:
    refused = (answer.kind is AnswerKind.ENVELOPE and answer.status not in (None, 0)) or answer.kind in (
        AnswerKind.HTTP_AUTH_FAILURE,
        AnswerKind.HTTP_INVALID_INPUT,
    )
    return Verdict(rule_id, refused, answer.summary, expected)


def _field(answer: Answer, name: str) -> Any:
    payload = answer.envelope.response if answer.envelope is not None else None
    return payload.get(name) if isinstance(payload, Mapping) else None


def _bill_id(answer: Answer) -> Any:
    return _field(answer, "BILLID")
