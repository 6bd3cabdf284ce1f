"""SET-1..7: the settlement flow's steps, each judged by the intent the flow declared for it.

The flow (`conformance.flows`) sends the requests and carries what a later step needs in its
intent: the bill for every step, the first receipt for the replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from conformance.answer import Answer
from conformance.checks._support import answered, request_json
from conformance.contract import SETTLEMENT_OPERATION
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import (
    BillAfterSettle,
    BillAfterSomeoneElses,
    BillAfterWrongMoney,
    Race,
    ReplayOf,
    Settle,
    SettleAgain,
    SomeoneElses,
    WrongMoney,
)
from conformance.registry import CheckContext, GroupContext, check, group_check
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
    if not _still_offered(answer, bill):
        return None
    return ctx.finding(
        exchange, kind="still-offered", received=f"{answer.summary}, the same BILLID still offered"
    )


@check("SET-6", intents=(SomeoneElses, BillAfterSomeoneElses), when=answered)
def someone_elses_bill_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Another card or another BILLID: a non-zero status, and the bill still unsettled afterwards."""
    intent, answer = ctx.intent, ctx.answer
    if isinstance(intent, SomeoneElses):
        if answer.refused:
            return None
        return ctx.finding(
            exchange,
            kind=f"settled-with-another-{intent.changed}",
            expected=f"a non-zero status: the {intent.changed} is not the registration's",
        )
    assert isinstance(intent, BillAfterSomeoneElses)
    if answer.succeeded and answer.field("BILLID") == intent.bill.get("BILLID"):
        return None
    return ctx.finding(
        exchange,
        kind=f"bill-gone-after-another-{intent.changed}",
        received=f"after the settlement with another {intent.changed}: {answer.summary}",
        expected="the bill still unsettled",
    )


@group_check("SET-7", intents=(Race,))
def one_settlement_under_concurrency(ctx: GroupContext, exchanges: Sequence[Exchange]) -> Finding | None:
    """The race and its replay: every status 0 for one SerialNumber, all with one CheckOutNo.

    (That the bill is settled once shows in the bill read after the race: SET-5 judges that read.)
    """
    assert isinstance(ctx.intent, Race)
    pairs = list(zip(exchanges, ctx.answers, strict=True))
    settlements = [
        (exchange, answer) for exchange, answer in pairs if exchange.operation_id == SETTLEMENT_OPERATION
    ]
    winners = [(exchange, answer) for exchange, answer in settlements if answer.succeeded]
    if not winners:
        return None  # nothing settled: SET-2 says why
    serials = {str(request_json(exchange).get("SerialNumber")) for exchange, _ in winners}
    check_out_numbers = {str(answer.field("CheckOutNo")) for _, answer in winners}
    kinds, problems = [], []
    if len(serials) > 1:
        kinds.append("serials")
        problems.append(f"{len(serials)} different SerialNumbers were each answered status 0 for one bill")
    if len(check_out_numbers) > 1:
        kinds.append("check-out-numbers")
        problems.append(f"{len(check_out_numbers)} different CheckOutNo for one bill")
    if not problems:
        return None
    lines = []
    for number, (exchange, answer) in enumerate(settlements, start=1):
        line = f"#{number}: SerialNumber {request_json(exchange).get('SerialNumber')}, {answer.summary}"
        if answer.succeeded:
            line += f", CheckOutNo {answer.field('CheckOutNo')}"
        lines.append(line)
    shown = next(
        (
            exchange
            for exchange, answer in winners[1:]
            if request_json(exchange).get("SerialNumber") != request_json(winners[0][0]).get("SerialNumber")
            or answer.field("CheckOutNo") != winners[0][1].field("CheckOutNo")
        ),
        winners[0][0],
    )
    received = "; ".join(problems) + ". Every answer: " + "; ".join(lines)
    return ctx.finding(shown, kind="+".join(kinds), received=received)


def _still_offered(answer: Answer, bill: Mapping[str, object]) -> bool:
    return (
        answer.succeeded
        and answer.field("BILLID") == bill.get("BILLID")
        and answer.field("BILLSTATUS") == bill.get("BILLSTATUS")
    )
