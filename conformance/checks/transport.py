"""TRN-1: every call answers within the configured timeout."""

from __future__ import annotations

from conformance.checks._support import timed_out
from conformance.findings import Finding
from conformance.http import PROBLEM_TEXT, Exchange, Problem
from conformance.registry import CheckContext, check


@check("TRN-1")
def answers_in_time(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    if not timed_out(exchange):
        return None
    return ctx.finding(
        exchange, kind="timeout", received=f"{PROBLEM_TEXT[Problem.TIMEOUT]} ({exchange.elapsed:.1f} s)"
    )
