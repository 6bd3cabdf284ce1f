"""The bill arithmetic of CONTRACT.md (SEM-1..5), as pure functions over decoded JSON.

The mock uses these to refuse an inconsistent fixtures file, the conformance suite to judge a
deployment's bills and receipts, and the strategies to prove their generated bills. Shape errors
(a missing field, a number where a string belongs) are SCH-1's business: here an amount that
cannot be read is skipped, so one defect is reported once, under the rule that owns it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from his_contract.money import AMOUNT_TOLERANCE, parse_amount, within_tolerance

SELF_PAY_FEE_TYPE = "自费"
# FeeCat's child list: the example (and the contract) spells it `items`, the document's table `Items`.
ITEMS_KEY, TABLE_ITEMS_KEY = "items", "Items"


@dataclass(slots=True, frozen=True)
class SemanticViolation:
    """One broken arithmetic rule: its id, what was found, and where in the bill."""

    rule_id: str
    message: str
    location: str


def check_bill(bill: Mapping[str, Any]) -> list[SemanticViolation]:
    """Check an unsettled bill (试算信息) against SEM-1..5."""
    violations = _check_totals(bill)
    violations.extend(_check_items(bill))
    return violations


def check_receipt(receipt: Mapping[str, Any]) -> list[SemanticViolation]:
    """Check a settlement receipt against the rules that apply to it (SEM-1 and SEM-5)."""
    return _check_totals(receipt)


def fee_items(category: Mapping[str, Any]) -> list[Any]:
    """The items of a FeeCat, under either spelling: the arithmetic is SEM-*'s, the spelling SCH-1's."""
    items = category.get(ITEMS_KEY, category.get(TABLE_ITEMS_KEY))
    return items if isinstance(items, list) else []


def with_documented_items(payload: Any) -> Any:
    """A copy of a bill whose FeeCats spell `Items` as `items` (what the lenient profile accepts)."""
    if not isinstance(payload, Mapping):
        return payload
    copied = copy.deepcopy(dict(payload))
    for detail in _list(copied.get("FeeDetail")):
        for category in _list(detail.get("FeeCat") if isinstance(detail, Mapping) else None):
            if isinstance(category, dict) and TABLE_ITEMS_KEY in category and ITEMS_KEY not in category:
                category[ITEMS_KEY] = category.pop(TABLE_ITEMS_KEY)
    return copied


def iter_fee_items(bill: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield (location, item) for every item of every FeeCat of every FeeDetail."""
    for d, detail in enumerate(_list(bill.get("FeeDetail"))):
        if not isinstance(detail, Mapping):
            continue
        for c, category in enumerate(_list(detail.get("FeeCat"))):
            if not isinstance(category, Mapping):
                continue
            for i, item in enumerate(fee_items(category)):
                if isinstance(item, Mapping):
                    yield f"FeeDetail[{d}].FeeCat[{c}].items[{i}]", item


def _check_totals(document: Mapping[str, Any]) -> list[SemanticViolation]:
    violations: list[SemanticViolation] = []
    total = parse_amount(document.get("SumFund"))
    insured = parse_amount(document.get("SBZFJE"))
    own = parse_amount(document.get("GRZFJE3"))
    if total is not None and insured is not None and insured > total:
        violations.append(
            SemanticViolation(
                "SEM-1",
                f"SBZFJE {insured} exceeds SumFund {total}",
                "SBZFJE",
            )
        )
    if total is not None and insured is not None and own is not None:
        if insured + own > total + AMOUNT_TOLERANCE:
            violations.append(
                SemanticViolation(
                    "SEM-1",
                    f"SBZFJE {insured} + GRZFJE3 {own} = {insured + own} exceeds SumFund {total}",
                    "GRZFJE3",
                )
            )
    fee_type = document.get("FeeType")
    if fee_type == SELF_PAY_FEE_TYPE and insured is not None and insured != 0:
        violations.append(
            SemanticViolation(
                "SEM-5",
                f"FeeType is {SELF_PAY_FEE_TYPE} (self-pay) but SBZFJE is {insured}, not 0",
                "SBZFJE",
            )
        )
    return violations


def _check_items(bill: Mapping[str, Any]) -> list[SemanticViolation]:
    violations: list[SemanticViolation] = []
    items_total = Decimal(0)
    all_items_readable = True
    for location, item in iter_fee_items(bill):
        item_sum = parse_amount(item.get("SumPrice"))
        if item_sum is None:
            all_items_readable = False
        else:
            items_total += item_sum
        lines_total = Decimal(0)
        all_lines_readable = True
        for p, line in enumerate(_list(item.get("PerItem"))):
            if not isinstance(line, Mapping):
                all_lines_readable = False
                continue
            line_price = parse_amount(line.get("PerPrice"))
            unit_price = parse_amount(line.get("Price"))
            count = parse_amount(line.get("PerItemCount"))
            if line_price is None:
                all_lines_readable = False
                continue
            lines_total += line_price
            if unit_price is not None and count is not None:
                expected = unit_price * count
                if not within_tolerance(line_price, expected):
                    violations.append(
                        SemanticViolation(
                            "SEM-4",
                            f"PerPrice {line_price} != Price {unit_price} * PerItemCount {count}"
                            f" = {expected.normalize():f}",
                            f"{location}.PerItem[{p}]",
                        )
                    )
        if item_sum is not None and all_lines_readable and not within_tolerance(item_sum, lines_total):
            violations.append(
                SemanticViolation(
                    "SEM-3",
                    f"SumPrice {item_sum} != sum of PerItem PerPrice {lines_total}",
                    location,
                )
            )
    total = parse_amount(bill.get("SumFund"))
    if total is not None and all_items_readable and not within_tolerance(total, items_total):
        violations.append(
            SemanticViolation(
                "SEM-2",
                f"SumFund {total} != sum of items' SumPrice {items_total}",
                "SumFund",
            )
        )
    return violations


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
