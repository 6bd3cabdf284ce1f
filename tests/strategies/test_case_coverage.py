"""Coverage before repetition: invalid requests use every (breakage, field) pair once before any
repeats, and edge bills spread over their features, none in more than a quarter of 200 cases.

Measured on the cases themselves (their `breakage` and `field`, their `why` features), on several
seeds, in process (the CLI is the same code; `test_cases_cli.py` runs it for real).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conformance.case_features import bill_features
from conformance.cases import generate_cases, request_features
from conformance.cases_load import generate_registrations, registration_record
from conformance.contract import is_amount_schema, request_schema
from conformance.strategies import Breakage, breakage_pairs
from his_contract import load_spec

SPEC = load_spec()
SEEDS = (1, 7, 42)
EDGE_CASES = 200
MAX_SHARE = 0.25
# The edge features the README names, each of which must turn up among 200 edge bills.
NAMED_FEATURES = (
    "forty-categories",
    "herbal-decoction",
    "account-payment",
    "many-lines",
    "rounded-price",
    "long-strings",
    "zero-amount",
    "no-fee-lines",
)


def expected_pairs(operation: str) -> set[tuple[str, str | None]]:
    """The (breakage, field) pairs read off the request schema independently of the strategies."""
    schema = request_schema(SPEC, operation)
    properties = schema["properties"]
    required = schema["required"]
    pairs: set[tuple[str, str | None]] = {("missing-field", name) for name in required}
    pairs |= {("wrong-type", name) for name in properties}
    pairs |= {("empty-string", name) for name in required if properties[name].get("minLength") == 1}
    pairs |= {("bad-amount", name) for name in properties if is_amount_schema(SPEC, properties[name])}
    pairs |= {("not-an-object", None), ("malformed-json", None), ("empty-body", None)}
    return pairs


@pytest.mark.parametrize("operation", ["settleByDoctor", "login", "getUnSettleBillByDoctor"])
def test_the_first_k_invalid_cases_use_every_pair_once(operation: str) -> None:
    """On three seeds (settleByDoctor: two here, the third in the next test)."""
    pairs = expected_pairs(operation)
    assert {(b.value, f) for b, f in breakage_pairs(operation)} == pairs
    k = len(pairs)
    orders = []
    seeds = SEEDS[:2] if operation == "settleByDoctor" else SEEDS
    for seed_value in seeds:
        cases = generate_cases(operation, "invalid", "request", count=k + 3, seed_value=seed_value)
        first = [(case["breakage"], case["field"]) for case in cases[:k]]
        assert len(first) == k and set(first) == pairs, f"seed {seed_value}: {Counter(first).most_common(3)}"
        assert len({case["id"] for case in cases}) == len(cases) == k + 3
        orders.append(first)
    assert len({tuple(order) for order in orders}) == len(seeds), "the seed shuffles the order"


def test_settlement_covers_all_seven_breakages_within_the_issues_fifty() -> None:
    pairs = expected_pairs("settleByDoctor")
    assert {breakage for breakage, _ in pairs} == {b.value for b in Breakage} and len(pairs) <= 50
    cases = generate_cases("settleByDoctor", "invalid", "request", count=50, seed_value=7)
    assert {(case["breakage"], case["field"]) for case in cases} == pairs
    # The second round starts over: no pair is used a third time within 2K cases.
    assert max(Counter((case["breakage"], case["field"]) for case in cases).values()) == 2


def test_the_second_round_of_login_breakages_repeats_each_pair_once() -> None:
    pairs = expected_pairs("login")
    k = len(pairs)
    cases = generate_cases("login", "invalid", "request", count=2 * k, seed_value=3)
    second = [(case["breakage"], case["field"]) for case in cases[k:]]
    assert sorted(second, key=repr) == sorted(pairs, key=repr)


def shares(features: list[list[str]]) -> Counter[str]:
    return Counter(key for keys in features for key in set(keys))


def assert_spread(features: list[list[str]], money: list[str], label: str) -> None:
    counted = shares(features)
    assert len(features) == EDGE_CASES
    worst, times = counted.most_common(1)[0]
    assert times <= MAX_SHARE * EDGE_CASES, f"{label}: {worst} in {times} of {EDGE_CASES}: {counted}"
    assert money.count("0.00") <= MAX_SHARE * EDGE_CASES, f"{label}: Money 0.00 in {money.count('0.00')}"
    missing = [name for name in NAMED_FEATURES if name not in counted]
    assert not missing, f"{label}: no {missing} among {EDGE_CASES} edge bills"
    assert counted["outside-bmp"] + counted["rare-cjk"] > 0, f"{label}: no rare characters"


@pytest.mark.slow
@pytest.mark.parametrize("seed_value", SEEDS[:1])  # bill responses below use a second seed
def test_loaded_edge_bills_spread_over_their_features(seed_value: int) -> None:
    registrations = generate_registrations(count=EDGE_CASES, seed_value=seed_value)
    records = [registration_record(registration) for registration in registrations]
    assert all(record["why"] for record in records)
    assert_spread(
        [record["features"] for record in records],
        [record["Money"] for record in records],
        f"his-cases load --seed {seed_value}",
    )


@pytest.mark.slow
def test_edge_bill_responses_spread_over_their_features() -> None:
    cases = generate_cases(
        "getUnSettleBillByDoctor", "edge", "response", count=EDGE_CASES, seed_value=SEEDS[2]
    )
    bills: list[dict[str, Any]] = [case["body"]["response"] for case in cases]
    assert_spread(
        [[feature.key for feature in bill_features(bill)] for bill in bills],
        [bill["GRZFJE3"] for bill in bills],
        f"--kind edge --side response --seed {SEEDS[2]}",
    )


def request_feature_keys(operation: str, case: dict[str, Any]) -> list[str]:
    return [feature.key for feature in request_features(operation, case["body"])]


@pytest.mark.parametrize(
    ("operation", "seed_value"), [("settleByDoctor", 5), ("login", 6), ("getUnSettleBillByDoctor", 9)]
)
def test_edge_requests_spread_over_their_features(operation: str, seed_value: int) -> None:
    cases = generate_cases(operation, "edge", "request", count=EDGE_CASES, seed_value=seed_value)
    assert len(cases) == EDGE_CASES
    counted = shares([request_feature_keys(operation, case) for case in cases])
    worst, times = counted.most_common(1)[0]
    assert times <= MAX_SHARE * EDGE_CASES, f"{operation}: {worst} in {times} of {EDGE_CASES}: {counted}"
    assert {"long-strings", "extra-fields"} <= set(counted)


def test_edge_login_responses_spread_over_their_features() -> None:
    cases = generate_cases("login", "edge", "response", count=EDGE_CASES, seed_value=8)
    # A token's why texts are fixed sentences: each one is a feature.
    counted = shares([case["why"].split("; ") for case in cases])
    worst, times = counted.most_common(1)[0]
    assert times <= MAX_SHARE * EDGE_CASES, f"{worst} in {times} of {EDGE_CASES}: {counted}"
    assert len(counted) >= 5
