"""The settlement flow (SET-1..5): only run when the user allows it, since it creates real records.

fetch the bill -> WrongMoney        SET-1 wrong Money refused ...
               -> BillAfterWrongMoney     ... and the bill still unsettled
               -> Settle            SET-2 correct settlement, receipt echoes card, registration, amounts
               -> ReplayOf(receipt) SET-3 identical replay: same CheckOutNo or refused
               -> SettleAgain       SET-4 new SerialNumber on the settled bill: refused
               -> BillAfterSettle   SET-5 the bill is no longer offered as unsettled

The flow only sends; each request's intent carries what its check needs (the bill, the first
receipt), and the checks of `conformance.checks.settlement` judge.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from conformance.answer import AnswerKind
from conformance.contract import BILL_OPERATION, SETTLEMENT_OPERATION
from conformance.intents import (
    BillAfterSettle,
    BillAfterWrongMoney,
    ReplayOf,
    Settle,
    SettleAgain,
    WrongMoney,
)
from conformance.probes import settle_body
from conformance.session import Session
from his_contract import format_amount, parse_amount

SETTLEMENT_GROUP = "settlement"
# (A skip reason only shows for a rule nothing judged, so the whole group can be named at once.)


def settlement_flow(session: Session, bill: Mapping[str, Any] | None) -> None:
    """Run SET-1..5 against the bill of --reg-no."""
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
        session.call(
            BILL_OPERATION, reg_no, intent=BillAfterWrongMoney(bill=bill, purpose="bill after SET-1")
        )

    right = settle_body(session, bill=bill, serial_number=serial, money=money)
    _, answer = session.call(
        SETTLEMENT_OPERATION, right, intent=Settle(bill=bill, purpose="settle with Money == GRZFJE3")
    )
    if answer.kind is AnswerKind.NO_RESPONSE:
        recorder.skip_group(SETTLEMENT_GROUP, "the settlement did not answer")
        return
    receipt = answer.payload if answer.succeeded else None
    if not isinstance(receipt, Mapping):
        recorder.skip_group(SETTLEMENT_GROUP, "the correct settlement (SET-2) did not succeed")
        return

    session.call(
        SETTLEMENT_OPERATION,
        right,
        intent=ReplayOf(bill=bill, receipt=receipt, purpose="replay the identical settlement"),
    )
    again = settle_body(session, bill=bill, serial_number=serial + "N", money=money)
    session.call(
        SETTLEMENT_OPERATION, again, intent=SettleAgain(bill=bill, purpose="settle the settled bill again")
    )
    session.call(BILL_OPERATION, reg_no, intent=BillAfterSettle(bill=bill, purpose="bill after settling"))


def unique_serial_number() -> str:
    """A SerialNumber no earlier run used (WeChat's transaction ids are 28-32 characters)."""
    return f"HISCONF{time.time_ns()}"
