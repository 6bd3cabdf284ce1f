"""SEM-1..5 and the money helpers, on the spec's own example bill broken one way at a time."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from his_contract import check_bill, check_receipt, format_amount, load_spec, parse_amount
from tests.support.spec_examples import example_bill as _example_bill


def _item(bill: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]
    return item


BREAKAGES: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "insured-exceeds-total": ("SEM-1", lambda b: b.update(SBZFJE="136.41", GRZFJE3="0.00")),
    "shares-exceed-total": ("SEM-1", lambda b: b.update(GRZFJE3="40.94")),
    "items-do-not-add-up": ("SEM-2", lambda b: b.update(SumFund="146.40", SBZFJE="105.48")),
    "lines-do-not-add-up": (
        "SEM-3",
        lambda b: _item(b)["PerItem"][1].update(PerPrice="19.45", Price="19.4500"),
    ),
    "line-price-wrong": ("SEM-4", lambda b: _item(b)["PerItem"][0].update(PerItemCount="3")),
    "self-pay-with-insurance": ("SEM-5", lambda b: b.update(FeeType="自费")),
}


def test_the_example_bill_is_consistent() -> None:
    assert check_bill(_example_bill()) == []


@pytest.mark.parametrize(("rule_id", "breakage"), list(BREAKAGES.values()), ids=list(BREAKAGES))
def test_each_breakage_is_reported_under_its_rule(
    rule_id: str, breakage: Callable[[dict[str, Any]], None]
) -> None:
    bill = _example_bill()
    breakage(bill)
    violations = check_bill(bill)
    assert [v.rule_id for v in violations] == [rule_id], violations
    assert violations[0].message and violations[0].location


def test_rounding_within_one_cent_is_accepted() -> None:
    bill = _example_bill()
    line = _item(bill)["PerItem"][0]
    line.update(Price="18.4950")  # 2 x 18.495 = 36.99, written 37.00: a cashier's rounding
    assert check_bill(bill) == []


def test_shares_may_leave_room_for_account_payments() -> None:
    bill = _example_bill()
    bill.update(SBZFJE="90.00", GRZFJE3="30.00")  # 16.40 paid from the medical-insurance account
    assert check_bill(bill) == []


def test_unreadable_amounts_are_left_to_the_schema() -> None:
    bill = _example_bill()
    bill["SumFund"] = 136.4
    _item(bill)["SumPrice"] = None
    assert check_bill(bill) == []


def test_lenient_items_key_is_read() -> None:
    bill = _example_bill()
    category = bill["FeeDetail"][0]["FeeCat"][0]
    category["Items"] = category.pop("items")
    category["Items"][0]["SumPrice"] = "50.00"
    assert sorted(v.rule_id for v in check_bill(bill)) == ["SEM-2", "SEM-3"]


def test_receipt_rules() -> None:
    receipt = {"SumFund": "10.00", "SBZFJE": "2.00", "GRZFJE3": "8.00", "FeeType": "自费"}
    assert [v.rule_id for v in check_receipt(receipt)] == ["SEM-5"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("136.40", Decimal("136.40")), ("0", Decimal(0)), ("18.5000", Decimal("18.5"))],
)
def test_parse_amount_reads_plain_decimals(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text", ["-1.00", "1e3", "１２", "1,000.00", " 1.00", "", "NaN", "Infinity", None, 1.5]
)
def test_parse_amount_refuses_what_is_not_a_plain_decimal(text: object) -> None:
    assert parse_amount(text) is None


def test_format_amount_rounds_half_up_to_cents() -> None:
    assert format_amount(Decimal("40.925")) == "40.93"
    assert format_amount(Decimal("7")) == "7.00"


@pytest.mark.parametrize("text", ["40.92\n", "40.92\r\n", "\n40.92"])
def test_amounts_with_a_stray_newline_are_refused_by_schema_and_arithmetic(text: str) -> None:
    """Python's `$` matches before a final newline; the spec's patterns mean the end of the string."""
    assert parse_amount(text) is None
    assert not load_spec().schema_validator("Amount").is_valid(text)
    assert load_spec().schema_validator("Amount").is_valid(text.strip())
