"""Edge cases as data: seeded, deterministic draws from `conformance.strategies`, described for people.

`generate_cases` turns (operation, kind, side) into case records: `count` distinct ones drawn under
a fixed Hypothesis seed (same seed, same kit and Hypothesis version: the same cases, byte for byte),
each saying what it is and why it is interesting (`conformance.case_features`). Invalid requests
cover before they repeat: the first K cases break the operation in each of its K (breakage, field)
ways once, in an order the seed shuffles. `conformance.cases_load` puts edge-case registrations
into a running his-mock.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from conformance.case_features import (
    PLAIN_TOKEN,
    Feature,
    bill_features,
    money_features,
    quoted,
    short,
    text_features,
    token_features,
    why,
)
from conformance.contract import Contract, request_schema
from conformance.errors import CasesError
from conformance.strategies import (
    EDGE_SHAPES,
    LOGIN_SHAPES,
    InvalidRequest,
    InvalidResponse,
    break_request,
    breakage_pairs,
    edge_requests,
    envelopes,
    invalid_responses,
    request_shapes,
    valid_bodies,
    variant_count,
)
from conformance.strategies.text import LONG_TEXT_MIN
from his_contract.semantics import iter_fee_items
from his_contract.spec import load_spec

KINDS = ("valid", "edge", "invalid")
SIDES = ("request", "response")
# Rounds of drawing before giving up on `count` distinct cases (small spaces, e.g. broken logins).
MAX_ROUNDS = 8
# A new seed per round, far enough apart that rounds do not overlap.
ROUND_STRIDE = 1_000_003
# Draws beyond its share that `draw_covering` allows each strategy (its shares are small).
SHARE_SPARE = 5
# The rule of CONTRACT.md that judges invalid and edge input (looked up in `x-his-rules`).
INPUT_RULE = "INP-1"
# The schema rule about amount strings, which a payload without amounts keeps trivially.
AMOUNT_RULE = "SCH-2"
# What a receipt or a token is judged by beyond envelope and schema (a bill: the semantics group).
_PAYLOAD_RULES = {"Receipt": ("SEM-1", "SEM-5"), "Token": ("AUTH-1",)}
T = TypeVar("T")
Case = dict[str, Any]
Progress = Callable[[int, int], None]


def operations() -> tuple[str, ...]:
    """The operationIds his-cases knows: every operation of the spec."""
    return tuple(load_spec().operations)


def generate_cases(
    operation: str,
    kind: str,
    side: str,
    *,
    count: int,
    seed_value: int,
    progress: Progress | None = None,
) -> list[Case]:
    """`count` distinct cases (fewer only when fewer exist), the same for the same arguments."""
    if operation not in operations():
        raise CasesError(f"unknown operation {operation!r}; choose one of: {', '.join(operations())}")
    if kind not in KINDS or side not in SIDES:
        raise CasesError(f"kind must be one of {KINDS} and side one of {SIDES}")
    if count < 1:
        raise CasesError(f"count must be at least 1, not {count}")
    records: list[Case]
    if kind == "invalid" and side == "request":
        protected = load_spec().operation(operation).protected
        head = _head(operation, kind, side)
        broken = covering_invalid_requests(operation, count=count, seed_value=seed_value, progress=progress)
        records = [{**head, **_invalid_request(case, protected)} for case in broken]
    elif kind == "edge":
        # The edge shapes (of the request, bill, receipt or token) take turns: none crowds out the others.
        records = draw_covering(
            _edge_records(operation, side), count=count, seed_value=seed_value, progress=progress
        )
    else:
        records = draw_distinct(
            _records(operation, kind, side), count=count, seed_value=seed_value, progress=progress
        )
    return [
        {"id": f"{operation}-{side}-{kind}-{seed_value}-{index:04d}", **record}
        for index, record in enumerate(records, start=1)
    ]


def draw_distinct(
    strategy: st.SearchStrategy[T],
    *,
    count: int,
    seed_value: int,
    progress: Progress | None = None,
    spare: int | None = None,
) -> list[T]:
    """Draw `count` distinct values from `strategy`, deterministically for a given seed.

    Hypothesis runs a collecting test function under `@seed`, with no example database, only the
    generate phase and no health checks: what it draws then depends on the seed alone. Values are
    compared by their JSON form; a round that yields too few distinct ones is followed by another
    round with a derived seed.
    """
    collected: list[T] = []
    seen: set[str] = set()
    for round_number in range(MAX_ROUNDS):
        wanted = count - len(collected)
        if wanted <= 0:
            break

        @settings(
            database=None,
            # The first draws of every seed are the simplest values, the same for all seeds: ask
            # for a margin (`spare` draws; by default as many again and ten) so that a later round
            # is not spent on duplicates only.
            max_examples=wanted + (wanted + 10 if spare is None else spare),
            phases=[Phase.generate],
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
        )
        @seed(seed_value + round_number * ROUND_STRIDE)
        @given(strategy)
        def collect(value: T) -> None:
            if len(collected) >= count:
                return
            key = _key(value)
            if key in seen:
                return
            seen.add(key)
            collected.append(value)
            if progress is not None:
                progress(len(collected), count)

        collect()
    return collected


def draw_covering(
    strategies: Sequence[st.SearchStrategy[T]],
    *,
    count: int,
    seed_value: int,
    progress: Progress | None = None,
) -> list[T]:
    """`count` distinct values that take the `strategies` in turns, the same for a seed.

    Each round takes one value of every strategy that has one left, in an order `seed_value`
    shuffles, so each strategy gives an equal share whatever Hypothesis favours within a run. A
    strategy with fewer distinct values than its share leaves the rest to the others (fewer
    values in all only when fewer exist). The values of each strategy come from `draw_distinct`.
    """
    asked = [-(-count // len(strategies))] * len(strategies)
    pools = [
        draw_distinct(s, count=n, seed_value=seed_value, spare=SHARE_SPARE)
        for s, n in zip(strategies, asked, strict=True)
    ]
    for _ in range(MAX_ROUNDS):
        deficit = count - sum(len(pool) for pool in pools)
        # Only a strategy that gave all it was asked for may have more.
        growing = [index for index, pool in enumerate(pools) if len(pool) == asked[index]]
        if deficit <= 0 or not growing:
            break
        for index in growing:
            asked[index] += -(-deficit // len(growing))
            pools[index] = draw_distinct(
                strategies[index], count=asked[index], seed_value=seed_value, spare=SHARE_SPARE
            )
    shuffler = random.Random(seed_value)
    found: list[T] = []
    seen: set[str] = set()
    for round_number in range(max(len(pool) for pool in pools)):
        order = [index for index, pool in enumerate(pools) if round_number < len(pool)]
        shuffler.shuffle(order)
        for index in order:
            value = pools[index][round_number]
            key = _key(value)
            if len(found) < count and key not in seen:
                seen.add(key)
                found.append(value)
                if progress is not None:
                    progress(len(found), count)
    return found


def covering_invalid_requests(
    operation: str, *, count: int, seed_value: int, progress: Progress | None = None
) -> list[InvalidRequest]:
    """`count` distinct invalid requests that cover before they repeat, the same for a seed.

    The operation's K (breakage, field) pairs (`breakage_pairs`) are taken in an order shuffled by
    `seed_value`, one case each, so the first K cases use every pair once; then the pairs are
    shuffled again for the next K, and so on. Each case breaks the next of `count` distinct valid
    bodies drawn under the seed, in a seeded variant (which wrong type, which bad amount, ...). A
    pair that yields no new case from any body or variant is dropped: fewer cases only when fewer
    exist.
    """
    bodies = draw_distinct(valid_bodies(operation), count=count, seed_value=seed_value)
    shuffler = random.Random(seed_value)
    live = list(breakage_pairs(operation))
    found: list[InvalidRequest] = []
    seen: set[bytes] = set()
    while live and len(found) < count:
        round_pairs = list(live)
        shuffler.shuffle(round_pairs)
        for breakage, field in round_pairs:
            if len(found) >= count:
                break
            first_variant = shuffler.randrange(variant_count(breakage))
            case = _fresh_case(operation, (breakage, field), bodies, len(found), first_variant, seen)
            if case is None:
                live.remove((breakage, field))
                continue
            found.append(case)
            if progress is not None:
                progress(len(found), count)
    return found


def _fresh_case(
    operation: str,
    pair: tuple[Any, str | None],
    bodies: Sequence[dict[str, Any]],
    start: int,
    first_variant: int,
    seen: set[bytes],
) -> InvalidRequest | None:
    """The first case of `pair` not yet `seen`: body `start` first, in variant `first_variant` first."""
    breakage, field = pair
    variants = variant_count(breakage)
    for b in range(len(bodies)):
        body = bodies[(start + b) % len(bodies)]
        for v in range(variants):
            try:
                case = break_request(operation, body, breakage, field, (first_variant + v) % variants)
            except ValueError:  # this body lacks the field
                break
            if case.body not in seen:
                seen.add(case.body)
                return case
    return None


def _key(value: object) -> str:
    """What makes two drawn values the same: their JSON form."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)


def jsonl_lines(cases: Sequence[Case]) -> Iterator[str]:
    """One JSON object per line, UTF-8 text as is (no \\u escapes), keys in a stable order."""
    for case in cases:
        yield json.dumps(case, ensure_ascii=False) + "\n"


# --- building records ---------------------------------------------------------------------------


def _head(operation: str, kind: str, side: str) -> Case:
    spec_operation = load_spec().operation(operation)
    return {
        "operation": operation,
        "method": spec_operation.method,
        "path": spec_operation.path,
        "side": side,
        "kind": kind,
    }


def _records(operation: str, kind: str, side: str) -> st.SearchStrategy[Case]:
    """Valid records of either side, and invalid responses (edge records and invalid requests
    take turns over their shapes and pairs: `_edge_records`, `covering_invalid_requests`)."""
    head = _head(operation, kind, side)
    if side == "response" and kind == "invalid":
        return invalid_responses(operation).map(lambda case: {**head, **_invalid_response(case)})
    if side == "request":
        protected = load_spec().operation(operation).protected
        return valid_bodies(operation).map(
            lambda body: {**head, **_valid_request(operation, body, protected)}
        )
    return envelopes(operation).map(lambda env: {**head, **_valid_response(operation, env)})


def _edge_records(operation: str, side: str) -> list[st.SearchStrategy[Case]]:
    """One strategy of edge records per shape: of the request (`request_shapes`), of the bill or
    receipt (`EDGE_SHAPES`), or of the token (`LOGIN_SHAPES`)."""
    head = _head(operation, "edge", side)
    if side == "request":
        protected = load_spec().operation(operation).protected
        return [
            edge_requests(operation, shape).map(
                lambda body: {**head, **_valid_request(operation, body, protected)}
            )
            for shape in request_shapes(operation)
        ]
    return [
        envelopes(operation, adversarial=True, shape=shape).map(
            lambda env: {**head, **_valid_response(operation, env)}
        )
        for shape in (LOGIN_SHAPES if operation == "login" else EDGE_SHAPES)
    ]


def _valid_request(operation: str, body: dict[str, Any], protected: bool) -> Case:
    if operation == "login":
        what = f"login as {quoted(body['userId'])}" + ("" if "password" in body else " without a password")
    elif operation == "settleByDoctor":
        what = f"settle bill {quoted(body['BILLID'])} paying Money {body['Money']}"
    else:
        what = f"fetch the unsettled bill of RegNo {quoted(body['RegNo'])}"
    features = request_features(operation, body)
    over_long = sorted(
        {name for name, value in body.items() if isinstance(value, str) and len(value) >= LONG_TEXT_MIN}
    )
    if over_long:
        expect = _edge_input_expectation(
            f"{', '.join(over_long)} longer than a VARCHAR(255) column: edge input (INP-1, INP-3)"
        )
    else:
        expect = {
            "not_status": 5,
            "note": "valid per openapi.yaml: never 入参参数错误; 0 or 6 depending on the server's data",
        }
    return {
        "what": what,
        "why": why(features, "an everyday valid request"),
        "expect": expect,
        "needs_token": protected,
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }


def request_features(operation: str, body: dict[str, Any]) -> list[Feature]:
    """What makes a valid request body interesting: its strings, extra fields, optional fields."""
    found = text_features(body)
    extras = sorted(set(body) - set(_request_properties(operation)))
    if extras:
        found.append(
            Feature("extra-fields", f"unknown extra fields {', '.join(extras)}, which the spec allows")
        )
    if operation == "settleByDoctor":
        if body["Money"] == "0.00":
            found.append(
                Feature(
                    "zero-money", "Money 0.00: the patient owes nothing, the settlement must still go through"
                )
            )
        for optional in ("SERIAL_NO", "SocialSecurityCard"):
            if optional not in body:
                found.append(Feature(f"no-{optional}", f"the optional {optional} is left out"))
            elif body[optional] == "":
                found.append(Feature(f"empty-{optional}", f"the optional {optional} is an empty string"))
    if operation == "login" and body.get("password") == "":
        found.append(Feature("empty-password", "an empty password (the field is optional and may be empty)"))
    if operation == "login" and "password" not in body:
        found.append(Feature("no-password", "no password field (optional in the document's table)"))
    if str(body.get("RegNo", "")).startswith("0"):
        found.append(
            Feature(
                "zero-padded", "a RegNo with leading zeros: a client that parses it as a number loses them"
            )
        )
    return found


def _edge_input_expectation(reason: str) -> dict[str, Any]:
    """INP-1 on edge input: any non-zero status keeps the contract; status 5 is the kit's advice."""
    return {
        "not_status": 0,
        "recommended_status": 5,
        "rule": _rule_id(INPUT_RULE),
        "note": f"{reason}: never status 0 with a result, never a 5xx; 5 (入参参数错误) is advice",
    }


def _invalid_request(case: InvalidRequest, protected: bool) -> Case:
    expect: dict[str, Any] = {"status": case.expected_status, "rule": _rule_id(INPUT_RULE)}
    if case.edge_input:
        expect = _edge_input_expectation(f"{case.reason}, which the document does not settle")
    record: Case = {
        "what": f"{case.breakage.value}" + (f" {case.field}" if case.field else ""),
        "why": case.reason,
        "breakage": case.breakage.value,
        "field": case.field,
        "expect": expect,
        "needs_token": protected,
        "headers": dict(case.headers),
    }
    try:
        record["body"] = case.json()
    except ValueError:
        record["raw_body"] = case.text
    return record


def _valid_response(operation: str, envelope: dict[str, Any]) -> Case:
    document = envelope["response"]
    if operation == "login":
        what = "a login token"
        features = token_features(document)
    elif operation == "settleByDoctor":
        lines = sum(len(item["ItemDetail"]) for detail in document["Detail"] for item in detail["Item"])
        lines_text = _plural(lines, "line", "lines")
        what = f"receipt {document['CheckOutNo']}: SumFund {document['SumFund']}, {lines_text}"
        features = money_features(document) + text_features(document)
    else:
        categories = sum(len(detail["FeeCat"]) for detail in document["FeeDetail"])
        lines = sum(len(item["PerItem"]) for _, item in iter_fee_items(document))
        what = (
            f"bill {short(document['BILLID'])}: {_plural(categories, 'fee category', 'fee categories')},"
            f" {_plural(lines, 'line', 'lines')},"
            f" SumFund {document['SumFund']}, FeeType {short(document['FeeType'])}"
        )
        features = bill_features(document)
    if envelope["msgDev"] == "":
        features.append(Feature("empty-msgdev", "msgDev is an empty string on success, not null"))
    elif envelope["msgDev"] is not None:
        features.append(Feature("msgdev-text", "msgDev carries text on success (a stack trace), not null"))
    if envelope["msg"] == "":
        features.append(
            Feature("empty-msg", "an empty msg on success (allowed: msg must be non-empty only on errors)")
        )
    return {
        "what": what,
        "why": why(features, PLAIN_TOKEN if operation == "login" else "an everyday success envelope"),
        "expect": {"client": "accept", "rules_kept": _rules_kept(operation)},
        "body": envelope,
    }


def _invalid_response(case: InvalidResponse) -> Case:
    return {
        "what": f"{case.rule} broken" + (f" at {case.field}" if case.field else ""),
        "why": f"{case.reason}: a client must not act on it",
        "rule": case.rule,
        "field": case.field,
        "expect": {"client": "reject", "rule": case.rule},
        "body": case.envelope,
    }


def _rules_kept(operation: str) -> list[str]:
    """The rules (`x-his-rules`) that judge a success envelope of `operation`, all kept by the case.

    Its envelope's and its schema's (the amount rule only where the payload has amounts), then
    the payload's own: the arithmetic of a bill (the semantics group), the two rules a receipt's
    totals keep (`check_receipt`), or AUTH-1 for a token.
    """
    model = Contract(load_spec()).operation(operation)
    rules = load_spec().rules.values()
    kept = [rule.id for rule in rules if rule.group == "envelope"]
    kept += [
        rule.id for rule in rules if rule.group == "schema" and (model.has_amounts or rule.id != AMOUNT_RULE)
    ]
    if model.payload == "Bill":
        kept += [rule.id for rule in rules if rule.group == "semantics"]
    else:
        kept += [_rule_id(rule_id) for rule_id in _PAYLOAD_RULES.get(model.payload, ())]
    return kept


def _rule_id(rule_id: str) -> str:
    """`rule_id`, checked against the spec's rule catalogue: a case never cites a rule it lacks."""
    if rule_id not in load_spec().rules:
        raise AssertionError(f"{rule_id} is not in the spec's x-his-rules")
    return rule_id


def _request_properties(operation: str) -> list[str]:
    return list(request_schema(load_spec(), operation).get("properties", {}))


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
