"""SCH-1 (shape) and SCH-2 (amounts) of a success envelope's `response`, by the spec's validators."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.checks._support import dumps, succeeded_on_documented
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.registry import CheckContext, check
from his_contract.semantics import with_documented_items

_MAX_SHOWN = 3
_INDEX = re.compile(r"\[\d+\]")


@dataclass(slots=True, frozen=True)
class SchemaError:
    where: str  # response.FeeDetail[0].FeeCat
    message: str
    amount: bool  # an amount schema (SCH-2's), not the shape (SCH-1's)

    @property
    def kind(self) -> str:
        return _INDEX.sub("[]", self.where)


def schema_errors(ctx: CheckContext, exchange: Exchange) -> list[SchemaError]:
    """Every error of the success `response` against the operation's documented schema."""
    envelope = ctx.answer.envelope
    assert envelope is not None
    document = dict(envelope.document)
    document["status"] = envelope.status  # ENV-2 owns how status is written
    response = envelope.response
    if ctx.profile.accepts_capitalised_items:
        response = with_documented_items(response)
    document["response"] = response
    errors = []
    for error in ctx.contract.success_validator(exchange.operation_id).iter_errors(document):
        path = list(error.absolute_path)
        if not path or path[0] != "response":
            continue  # the envelope's own fields are ENV-*'s business
        where = _path(path)
        if ctx.contract.is_amount_schema(error.schema):
            errors.append(SchemaError(where, f"{dumps(error.instance)} is not a decimal amount", True))
            if error.validator == "type":
                # A number or null where the amount string belongs breaks the shape too: SCH-1 says
                # "strings are strings", whatever the field holds.
                errors.append(SchemaError(where, _short(error.message), False))
        else:
            errors.append(SchemaError(where, _short(error.message), False))
    return errors


def _finding(ctx: CheckContext, exchange: Exchange, errors: list[SchemaError]) -> Finding | None:
    if not errors:
        return None
    shown = "; ".join(f"{error.where}: {error.message}" for error in errors[:_MAX_SHOWN])
    if len(errors) > _MAX_SHOWN:
        shown += f"; and {len(errors) - _MAX_SHOWN} more"
    kind = "+".join(sorted({error.kind for error in errors})[:_MAX_SHOWN])
    return ctx.finding(exchange, kind=kind, received=shown)


@check("SCH-1", when=succeeded_on_documented)
def documented_shape(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Every documented field present with its documented type (strings are strings ...)."""
    return _finding(ctx, exchange, [e for e in schema_errors(ctx, exchange) if not e.amount])


def _has_amounts(ctx: CheckContext, exchange: Exchange) -> bool:
    operation = ctx.operation(exchange)
    return succeeded_on_documented(ctx, exchange) and operation is not None and operation.has_amounts


@check("SCH-2", when=_has_amounts)
def decimal_amounts(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Amounts are non-negative decimal strings (2 decimals; unit Price up to 4)."""
    return _finding(ctx, exchange, [e for e in schema_errors(ctx, exchange) if e.amount])


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:160] + "…"
