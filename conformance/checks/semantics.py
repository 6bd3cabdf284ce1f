"""SEM-1..5: the bill arithmetic of `his_contract.semantics`, on every bill and receipt returned.

SEM-1 and SEM-5 read the totals, so they judge receipts too; SEM-2..4 read the fee items, which
only a bill has. Which payload an operation returns comes from the spec (`OperationModel.payload`).
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.checks._support import succeeded_on_documented
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.registry import Applies, CheckContext, check
from his_contract import check_bill, check_receipt
from his_contract.semantics import SemanticViolation, with_documented_items

BILL, RECEIPT = "Bill", "Receipt"


def _violations(ctx: CheckContext, exchange: Exchange) -> list[SemanticViolation]:
    payload = with_documented_items(ctx.answer.payload)
    operation = ctx.operation(exchange)
    if operation is None or not isinstance(payload, Mapping):
        return []
    if operation.payload == BILL:
        return check_bill(payload)
    return check_receipt(payload)


def _judge(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    found = [v for v in _violations(ctx, exchange) if v.rule_id == ctx.rule.id]
    if not found:
        return None
    received = "; ".join(f"{v.location}: {v.message}" for v in found[:3])
    if len(found) > 3:
        received += f"; and {len(found) - 3} more"
    return ctx.finding(exchange, kind=found[0].location.split("[", 1)[0], received=received)


def _carries(*payloads: str) -> Applies:
    def applies(ctx: CheckContext, exchange: Exchange) -> bool:
        operation = ctx.operation(exchange)
        return (
            succeeded_on_documented(ctx, exchange)
            and operation is not None
            and operation.payload in payloads
            and isinstance(ctx.answer.payload, Mapping)
        )

    return applies


_bill_or_receipt = _carries(BILL, RECEIPT)
_bill = _carries(BILL)


@check("SEM-1", when=_bill_or_receipt)
def insured_within_total(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    return _judge(ctx, exchange)


@check("SEM-2", when=_bill)
def items_add_up_to_total(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    return _judge(ctx, exchange)


@check("SEM-3", when=_bill)
def lines_add_up_to_item(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    return _judge(ctx, exchange)


@check("SEM-4", when=_bill)
def line_is_price_times_count(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    return _judge(ctx, exchange)


@check("SEM-5", when=_bill_or_receipt)
def self_pay_has_no_insured_share(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    return _judge(ctx, exchange)
