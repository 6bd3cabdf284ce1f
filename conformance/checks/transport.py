"""TRN-1: every call answers within the configured timeout."""

from __future__ import annotations

from conformance.checks._support import timed_out
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.registry import CheckContext, check


@check("TRN-1")
def answers_in_time(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    if not timed_out(exchange):
        return None
    return ctx.finding(
        exchange, kind="timeout", received=f"{exchange.problem_text}; arrived by then: {exchange.arrived}"
    )
