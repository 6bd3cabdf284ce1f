"""The settlement flow (SET-1..7): only run when the user allows it, since it creates real records.

fetch the bill -> SET-1 wrong Money refused, bill still unsettled
               -> SET-6 another CardNo, another BILLID: refused, bill still unsettled
               -> SET-2 correct settlement (INP-3's shape), sent as SET-7's race of --race requests:
                  receipt echoes card, registration and amounts
               -> SET-3 identical replay: same CheckOutNo or refused (SET-7 judges it with the race)
               -> SET-4 new SerialNumber on the settled bill: refused
               -> SET-5 the bill is no longer offered as unsettled
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from conformance.contract import BILL_OPERATION, SETTLEMENT_OPERATION
from conformance.edge_probes import ACCEPTED_EXPECTED, accepted_verdict
from conformance.probes import settle_body
from conformance.results import Verdict
from conformance.rules import Answer, AnswerKind
from conformance.session import Session
from conformance.settlement_guards import (
    ACCEPTED_BODY,
    Attempt,
    accepted_body,
    answer_field,
    conflicting,
    diagnose_refusal,
    race_verdict,
    refused_verdict,
    refused_with_5,
    settle_concurrently,
    someone_elses_bill,
)
from his_contract import format_amount, parse_amount

SETTLEMENT_RULES = ("SET-1", "SET-2", "SET-3", "SET-4", "SET-5", "SET-6", "SET-7")
AFTER_SET6 = ("SET-2", "SET-3", "SET-4", "SET-5", "SET-7")
ECHOED_FIELDS = ("CardNo", "RegSerNo")
REPEATED_AMOUNTS = ("SumFund", "SBZFJE", "GRZFJE3")


def settlement_flow(session: Session, bill: Mapping[str, Any] | None) -> None:
    """Run SET-1..7 against the bill of --reg-no."""
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
        session.record(exchange, [refused_verdict("SET-1", answer, "a non-zero status for Money != GRZFJE3")])
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

    # SET-6: the correct body with someone else's card, then someone else's BILLID.
    right = accepted_body(session, settle_body(session, bill=bill, serial_number=serial, money=money))
    if not someone_elses_bill(session, bill, right):
        recorder.skip(AFTER_SET6, "a SET-6 probe settled the bill, or it is no longer offered")
        return

    # SET-2 (and INP-3) through SET-7's race: the real settlement sent `race` times at once.
    race = settle_concurrently(session, right, session.race_size)
    winner = _first_success(race)
    if winner is None and all(refused_with_5(attempt.answer) for attempt in race):
        # Not a race finding: the settlement itself is refused. Find out which feature the server rejects.
        found, winner = diagnose_refusal(session, right, bill)
        received = f"all {len(race)} settlements ({ACCEPTED_BODY}): {race[0].answer.summary}; {found}"
        session.record(race[0].exchange, [Verdict("INP-3", False, received, ACCEPTED_EXPECTED)])
        recorder.skip(["SET-7"], "the race's settlement was refused with status 5 (see INP-3)")
        if winner is None:
            session.record(race[0].exchange, [Verdict("SET-2", False, race[0].answer.summary)])
            recorder.skip(("SET-3", "SET-4", "SET-5"), "the correct settlement (SET-2) did not succeed")
            return
        right, race = dict(winner.body), []
    for attempt in race:
        session.record(attempt.exchange, [accepted_verdict(attempt.answer, "a settlement of the race")])
    if winner is None:
        session.record(race[0].exchange, [Verdict("SET-2", False, race[0].answer.summary)])
        recorder.skip(("SET-3", "SET-4", "SET-5", "SET-7"), "the correct settlement (SET-2) did not succeed")
        return
    answer = winner.answer
    receipt = answer.envelope.response if answer.envelope is not None else None
    session.record(winner.exchange, [receipt_verdict(session, bill, answer)])
    if not isinstance(receipt, Mapping):
        recorder.skip(("SET-3", "SET-4", "SET-5", "SET-7"), "the correct settlement (SET-2) did not succeed")
        return

    # SET-3: the identical replay never creates a second settlement.
    exchange, replay = session.call(SETTLEMENT_OPERATION, right, purpose="replay the identical settlement")
    if race:
        race.append(Attempt(right, exchange, replay))
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
        session.record(
            exchange, [refused_verdict("SET-4", answer, "a non-zero status for an already settled bill")]
        )

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
    if race:
        session.record(conflicting(race).exchange, [race_verdict(race, after, bill)])


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


def _first_success(attempts: list[Attempt]) -> Attempt | None:
    return next((attempt for attempt in attempts if attempt.answer.succeeded), None)


def _field(answer: Answer, name: str) -> Any:
    return answer_field(answer, name)


def _bill_id(answer: Answer) -> Any:
    return answer_field(answer, "BILLID")
