"""SET-1..5: the settlement flow's steps, each judged by the intent the flow declared for it.

The flow (`conformance.flows`) sends the requests and carries what a later step needs in its
intent: the bill for every step, the first receipt for the replay.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.checks._support import answered, request_json
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import (
    BillAfterSettle,
    BillAfterWrongMoney,
    ReplayOf,
    Settle,
    SettleAgain,
    WrongMoney,
)
from conformance.registry import CheckContext, check
from his_contract import parse_amount

ECHOED_FIELDS = ("CardNo", "RegSerNo")
REPEATED_AMOUNTS = ("SumFund", "SBZFJE", "GRZFJE3")
RECEIPT_NUMBERS = ("CheckOutNo", "SerNo")


@check("SET-1", intents=(WrongMoney, BillAfterWrongMoney), when=answered)
def wrong_money_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Money != GRZFJE3: a non-zero status, and the bill still unsettled afterwards."""
    intent = ctx.intent
    answer = ctx.answer
    if isinstance(intent, WrongMoney):
        if answer.refused:
            return None
        return ctx.finding(exchange, kind="settled", expected="a non-zero status for Money != GRZFJE3")
    assert isinstance(intent, BillAfterWrongMoney)
    if answer.succeeded and answer.field("BILLID") == intent.bill.get("BILLID"):
        return None
    return ctx.finding(
        exchange,
        kind="bill-gone",
        received=f"after the refused settlement: {answer.summary}",
        expected="the bill still unsettled",
    )


@check("SET-2", intents=(Settle,), when=answered)
def correct_settlement(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Status 0; the receipt echoes card and registration, repeats the amounts, numbers itself."""
    answer = ctx.answer
    receipt = answer.payload
    if not answer.succeeded or not isinstance(receipt, Mapping):
        return ctx.finding(exchange, kind="refused")
    assert isinstance(ctx.intent, Settle)
    bill, sent = ctx.intent.bill, request_json(exchange)
    wrong, kinds = [], []
    for name in ECHOED_FIELDS:
        if receipt.get(name) != sent.get(name):
            wrong.append(f"{name} {receipt.get(name)!r} (sent {sent.get(name)!r})")
            kinds.append(name)
    for name in REPEATED_AMOUNTS:
        if receipt.get(name) is None or parse_amount(receipt.get(name)) != parse_amount(bill.get(name)):
            wrong.append(f"{name} {receipt.get(name)!r} (bill {bill.get(name)!r})")
            kinds.append(name)
    for name in RECEIPT_NUMBERS:
        value = receipt.get(name)
        if not isinstance(value, str) or not value.strip():
            wrong.append(f"{name} {value!r} is empty")
            kinds.append(name)
    if not wrong:
        return None
    return ctx.finding(exchange, kind="+".join(kinds), received="; ".join(wrong))


@check("SET-3", intents=(ReplayOf,), when=answered)
def replay_settles_once(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """The identical replay: the same CheckOutNo, or a non-zero status; never a second settlement."""
    assert isinstance(ctx.intent, ReplayOf)
    answer, first = ctx.answer, ctx.intent.receipt.get("CheckOutNo")
    if answer.refused:
        return None
    if answer.succeeded and answer.field("CheckOutNo") == first:
        return None
    received = answer.summary
    if answer.succeeded:
        received += f", a new CheckOutNo {answer.field('CheckOutNo')!r} (first: {first!r})"
    return ctx.finding(exchange, kind="second-settlement", received=received)


@check("SET-4", intents=(SettleAgain,), when=answered)
def settled_bill_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """A new SerialNumber on the settled bill: a non-zero status."""
    if ctx.answer.refused:
        return None
    return ctx.finding(
        exchange, kind="settled-again", expected="a non-zero status for an already settled bill"
    )


@check("SET-5", intents=(BillAfterSettle,), when=answered)
def settled_bill_not_offered(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """After settlement: a non-zero status, another BILLID, or a changed BILLSTATUS."""
    assert isinstance(ctx.intent, BillAfterSettle)
    answer, bill = ctx.answer, ctx.intent.bill
    offered = (
        answer.succeeded
        and answer.field("BILLID") == bill.get("BILLID")
        and answer.field("BILLSTATUS") == bill.get("BILLSTATUS")
    )
    if not offered:
        return None
    return ctx.finding(
        exchange, kind="still-offered", received=f"{answer.summary}, the same BILLID still offered"
    )
