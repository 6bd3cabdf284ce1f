"""The settlement flow (SET-1..7): only run when the user allows it, since it creates real records.

fetch the bill -> WrongMoney        SET-1 wrong Money refused ...
               -> BillAfterWrongMoney     ... and the bill still unsettled
               -> SomeoneElses      SET-6 another CardNo, then another BILLID: refused ...
               -> BillAfterSomeoneElses   ... and the bill still unsettled
               -> --race settlements at once (INP-3's shape: required fields, 微信支付, an extra field):
                  Settle            SET-2 the first success: receipt echoes card, registration, amounts
                  RaceAttempt       INP-3 the others: never status 5 (if all are, variants say why)
               -> ReplayOf(receipt) SET-3 identical replay: same CheckOutNo or refused
               -> SettleAgain       SET-4 new SerialNumber on the settled bill: refused
               -> BillAfterSettle   SET-5 the bill is no longer offered as unsettled
               => Race              SET-7 the race and the replay: one SerialNumber, one CheckOutNo
                                    (SET-5 judges the bill read afterwards, for the race too)

The flow only sends; each request's intent carries what its check needs (the bill, the first
receipt), and the checks of `conformance.checks.settlement` judge.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from conformance.answer import AnswerKind, read_answer
from conformance.contract import BILL_OPERATION, SETTLEMENT_OPERATION
from conformance.intents import (
    BillAfterSettle,
    BillAfterWrongMoney,
    Race,
    RaceAttempt,
    ReplayOf,
    Settle,
    SettleAgain,
    WrongMoney,
)
from conformance.probes import settle_body
from conformance.session import Session
from conformance.settlement_guards import (
    ACCEPTED_BODY,
    Attempt,
    accepted_body,
    diagnose_refusal,
    refused_with_5,
    settle_concurrently,
    someone_elses_bill,
)
from his_contract import format_amount, parse_amount

SETTLEMENT_GROUP = "settlement"
# (A skip reason only shows for a rule nothing judged, so the whole group can be named at once.)


def settlement_flow(session: Session, bill: Mapping[str, Any] | None) -> None:
    """Run SET-1..7 against the bill of --reg-no."""
    recorder = session.recorder
    if bill is None:
        recorder.skip_group(SETTLEMENT_GROUP, "no unsettled bill could be read for --reg-no")
        return
    cash = parse_amount(bill.get("GRZFJE3"))
    if cash is None or not isinstance(bill.get("BILLID"), str):
        recorder.skip_group(
            SETTLEMENT_GROUP, "the bill of --reg-no has no readable GRZFJE3 or BILLID (see SCH-*)"
        )
        return
    money = format_amount(cash)
    serial = unique_serial_number()
    reg_no = {"RegNo": session.target.reg_no}

    wrong = settle_body(
        session, bill=bill, serial_number=serial + "W", money=format_amount(cash + Decimal(1))
    )
    _, answer = session.call(
        SETTLEMENT_OPERATION, wrong, intent=WrongMoney(bill=bill, purpose="settle with Money != GRZFJE3")
    )
    if answer.kind is not AnswerKind.NO_RESPONSE:
        _, after = session.call(
            BILL_OPERATION, reg_no, intent=BillAfterWrongMoney(bill=bill, purpose="bill after SET-1")
        )
        if not (after.succeeded and after.field("BILLID") == bill["BILLID"]):
            # What follows needs the unsettled bill: judged now, it would blame SET-1's defect on them.
            recorder.skip_group(SETTLEMENT_GROUP, "the bill is no longer offered after SET-1's probe")
            return

    right = accepted_body(session, settle_body(session, bill=bill, serial_number=serial, money=money))
    if not someone_elses_bill(session, bill, right):
        recorder.skip_group(SETTLEMENT_GROUP, "a SET-6 probe settled the bill, or it is no longer offered")
        return

    race = settle_concurrently(session, right, session.race_size)
    settlement = _settle_race(session, bill, race)
    if not any(settlement is attempt for attempt in race):
        race = []  # a variant settled (INP-3); no race to judge
    # The identical replay is of the settlement that succeeded (a distinct SerialNumber may have won).
    right = dict(settlement.body)
    receipt = settlement.answer.payload if settlement.answer.succeeded else None
    if settlement.answer.kind is AnswerKind.NO_RESPONSE or not isinstance(receipt, Mapping):
        recorder.skip_group(SETTLEMENT_GROUP, "the correct settlement (SET-2) did not succeed")
        return

    # SET-3 holds the replay to the receipt it repeats: with several from the race (SET-7's
    # finding), the one with its CheckOutNo; a CheckOutNo never seen before is a new settlement.
    purpose = "replay the identical settlement"
    replay = session.send(SETTLEMENT_OPERATION, right, purpose=purpose)
    answered = read_answer(replay, session.contract, session.profile).field("CheckOutNo")
    receipts = [attempt.answer.payload for attempt in race if attempt.answer.succeeded]
    repeated = next(
        (r for r in receipts if isinstance(r, Mapping) and r.get("CheckOutNo") == answered), receipt
    )
    session.judge(replay, ReplayOf(bill=bill, receipt=repeated, purpose=purpose))
    again = settle_body(session, bill=bill, serial_number=serial + "N", money=money)
    session.call(
        SETTLEMENT_OPERATION, again, intent=SettleAgain(bill=bill, purpose="settle the settled bill again")
    )
    session.call(BILL_OPERATION, reg_no, intent=BillAfterSettle(bill=bill, purpose="bill after settling"))
    if race:
        exchanges = [attempt.exchange for attempt in race] + [replay]
        session.judge_together(exchanges, Race(bill=bill, purpose="the settlements sent at the same time"))
    else:
        recorder.skip(["SET-7"], "the race's settlements were all refused with status 5 (see INP-3)")


def _settle_race(session: Session, bill: Mapping[str, Any], race: list[Attempt]) -> Attempt:
    """Judge the race's requests; returns the settlement SET-2 judges (a variant if INP-3 needed one).

    The first success of the race is the settlement; without one, the first request is judged as
    the (failed) settlement. Refused with status 5 by every request, variants find out why.
    """
    diagnosis, variant = "", None
    if not any(attempt.answer.succeeded for attempt in race) and all(
        refused_with_5(attempt.answer) for attempt in race
    ):
        diagnosis, variant = diagnose_refusal(session, race[0].body, bill)
        diagnosis = f"all {len(race)} settlements ({ACCEPTED_BODY}) refused; {diagnosis}"
    settlement = variant or next((attempt for attempt in race if attempt.answer.succeeded), race[0])
    for attempt in race:
        purpose = attempt.exchange.purpose
        if attempt is settlement:
            session.judge(attempt.exchange, Settle(bill=bill, purpose=purpose))
        else:
            session.judge(attempt.exchange, RaceAttempt(bill=bill, diagnosis=diagnosis, purpose=purpose))
    return settlement


def unique_serial_number() -> str:
    """A SerialNumber no earlier run used (WeChat's transaction ids are 28-32 characters)."""
    return f"HISCONF{time.time_ns()}"
