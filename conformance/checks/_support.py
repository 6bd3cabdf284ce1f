"""Small readers the checks share (not a check module: the registry skips `_` names)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from conformance.answer import AnswerKind
from conformance.http import Exchange, Problem
from conformance.registry import CheckContext

_MAX_REQUEST_JSON = 1024 * 1024


def answered(ctx: CheckContext, exchange: Exchange) -> bool:
    """There is a response to judge (no response is TRN-1's or ENV-1's business)."""
    del exchange
    return ctx.answer.kind is not AnswerKind.NO_RESPONSE


def is_envelope(ctx: CheckContext, exchange: Exchange) -> bool:
    del exchange
    return ctx.answer.kind is AnswerKind.ENVELOPE


def succeeded_on_documented(ctx: CheckContext, exchange: Exchange) -> bool:
    return ctx.answer.succeeded and ctx.operation(exchange) is not None


def timed_out(exchange: Exchange) -> bool:
    return exchange.problem is Problem.TIMEOUT


def request_json(exchange: Exchange) -> Mapping[str, Any]:
    """The request body as a JSON object ({} when it is none): what the suite sent."""
    body = exchange.request.body
    if not body or len(body) > _MAX_REQUEST_JSON:
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return document if isinstance(document, Mapping) else {}


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
