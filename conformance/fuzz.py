"""Schema-driven fuzzing with Schemathesis: positive and negative bodies for each operation.

Schemathesis (through its Python API) generates the cases from `openapi.yaml`; Hypothesis,
seeded with --seed, makes the sequence reproducible; the cases are drawn first and sent after,
one by one through the session, so the request budget, the rate limit and the timeout apply,
and every response is judged by the envelope-aware rules (none of Schemathesis' REST-minded
built-in checks: an error here is an HTTP 200 envelope, see TOOLING-NOTES).

- positive cases (intent `Fuzzed`): any answer is judged by the rules every response keeps;
- negative cases (the body breaks the schema): intent `InvalidInput` of the kind the body is,
  read against the spec's compiled validator (`conformance.classify`), so INP-1 holds a
  missing field to status 5 and an empty string only to "not 0, no 5xx". Schemathesis
  occasionally produces a "negative" body that still keeps the schema: judged as positive.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from conformance.classify import classify_body
from conformance.errors import UnsendableRequest
from conformance.intents import Fuzzed, Intent, InvalidInput
from conformance.session import Session

# Stands in for the real token while generating; every case is sent with the session's token.
_PLACEHOLDER_AUTH = {"Authorization": "Bearer his-conformance"}


@dataclass(slots=True, frozen=True)
class FuzzCase:
    """One generated request: its body as bytes (None: no body) and the media type to send."""

    body: bytes | None
    media_type: str
    negative: bool


def fuzz_operation(session: Session, operation_id: str, *, max_examples: int, seed_value: int) -> None:
    """Send `max_examples` positive and as many negative cases to one operation."""
    operation = session.contract.operation(operation_id)
    validator = session.contract.request_validator(operation_id)
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        cases = draw_cases(
            operation.path, mode, protected=operation.protected, count=max_examples, seed_value=seed_value
        )
        before = session.findings_seen
        sent = 0
        for case in cases:
            kind = classify_body(case.body, validator) if case.negative else None
            intent: Intent
            if kind is None:
                intent = Fuzzed(purpose=f"fuzzed (positive body, seed {seed_value})")
            else:
                intent = InvalidInput(kind=kind, purpose=f"fuzzed ({kind} body, seed {seed_value})")
            try:
                session.call(operation_id, raw_body=case.body, content_type=case.media_type, intent=intent)
            except UnsendableRequest:
                continue
            sent += 1
        session.progress(
            f"  fuzzing {operation_id}, {mode.value}: {sent} requests,"
            f" {session.findings_seen - before} finding(s)"
        )


@functools.cache
def draw_cases(
    path: str, mode: GenerationMode, *, protected: bool, count: int, seed_value: int
) -> tuple[FuzzCase, ...]:
    """Up to `count` distinct cases for the operation at `path`, the same for the same seed.

    Cached: the draw depends on nothing but its arguments, and repeated runs in one process
    (the pytest entry, the suite's own tests) need not pay for generation again.
    """
    operation = _schemathesis_schema()[path]["POST"]
    strategy = operation.as_strategy(generation_mode=mode, headers=_PLACEHOLDER_AUTH if protected else None)
    drawn: list[FuzzCase] = []
    seen: set[tuple[bytes | None, str]] = set()

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def collect(case: Any) -> None:
        fuzz_case = _to_fuzz_case(case, mode)
        key = (fuzz_case.body, fuzz_case.media_type)
        if key not in seen:
            seen.add(key)
            drawn.append(fuzz_case)

    collect()
    return tuple(drawn)


@functools.cache
def _schemathesis_schema() -> OpenApiSchema:
    from his_contract import load_spec

    return schemathesis.openapi.from_dict(dict(load_spec().document))


def _to_fuzz_case(case: Any, mode: GenerationMode) -> FuzzCase:
    kwargs = case.as_transport_kwargs(base_url="http://his-conformance.invalid")
    body: bytes | None
    if "json" in kwargs:
        try:
            body = json.dumps(kwargs["json"], ensure_ascii=False, allow_nan=False).encode(
                "utf-8", "surrogatepass"
            )
        except ValueError:
            body = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogatepass")
    else:
        body = None
    negative = (
        mode is GenerationMode.NEGATIVE
        and case.meta is not None
        and case.meta.is_negative_at(ParameterLocation.BODY)
    )
    return FuzzCase(body, case.media_type or "application/json", negative)


def fuzzable_operations(session: Session) -> Iterator[str]:
    """The operations to fuzz: documented, not deprecated aliases, settlement only when allowed."""
    from conformance.contract import SETTLEMENT_OPERATION

    for operation_id, operation in session.contract.operations.items():
        if operation.deprecated:
            continue
        if operation_id == SETTLEMENT_OPERATION and not session.target.allow_settlement:
            continue
        yield operation_id
