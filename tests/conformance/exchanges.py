"""Synthetic exchanges built in memory, and the registry's judgement of them: rule tests in milliseconds."""

from __future__ import annotations

import json
from typing import Any

from conformance.answer import read_answer
from conformance.contract import Contract
from conformance.findings import Finding
from conformance.http import Exchange, HttpRequest, HttpResponse, Problem
from conformance.intents import Intent, Plain
from conformance.profiles import STRICT, Profile
from conformance.registry import judge_exchange
from his_contract import load_spec

CONTRACT = Contract(load_spec())
JSON = "application/json; charset=utf-8"


def envelope(status: int = 0, response: Any = None, msg: str | None = None, **extra: Any) -> dict[str, Any]:
    """A well-formed envelope (the reference's wording), with `extra` keys replacing or adding."""
    document = {
        "status": status,
        "isSuccess": status == 0,
        "msg": msg if msg is not None else ("调用成功" if status == 0 else "错误"),
        "msgDev": None,
        "response": response,
    }
    document.update(extra)
    return document


def exchange(
    operation_id: str,
    answer: Any = None,
    *,
    request: Any = None,
    raw_request: bytes | None = None,
    http_status: int = 200,
    content_type: str | None = JSON,
    raw_answer: bytes | None = None,
    problem: Problem | None = None,
    no_response: bool = False,
) -> Exchange:
    """One exchange with `operation_id`: the request (JSON or raw bytes) and what came back."""
    path = CONTRACT.operation(operation_id).path
    body = (
        raw_request
        if raw_request is not None
        else (None if request is None else json.dumps(request).encode())
    )
    sent = HttpRequest("POST", f"http://his.test{path}", (("Content-Type", "application/json"),), body)
    if no_response:
        return Exchange(operation_id, sent, None, problem or Problem.CONNECTION, 10.0)
    payload = raw_answer if raw_answer is not None else json.dumps(answer, ensure_ascii=False).encode()
    headers = (("Content-Type", content_type),) if content_type is not None else ()
    return Exchange(operation_id, sent, HttpResponse(http_status, "", headers, payload), problem, 0.01)


def judge(
    exchange: Exchange, intent: Intent | None = None, profile: Profile = STRICT
) -> dict[str, Finding | None]:
    """rule id -> its finding (None: held) for every check that applied to the exchange."""
    answer = read_answer(exchange, CONTRACT, profile)
    judgements = judge_exchange(CONTRACT, profile, exchange, answer, intent or Plain())
    return {judgement.rule_id: judgement.finding for judgement in judgements}
