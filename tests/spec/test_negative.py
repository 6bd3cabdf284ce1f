"""The schemas reject what the contract forbids: each case breaks a valid envelope in one way."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from his_contract import Spec, load_spec


def _success_example(spec: Spec, operation_id: str) -> dict[str, Any]:
    response = spec.document["components"]["responses"]["UnSettleBill"]
    if operation_id == "settleByDoctor":
        op = spec.document["paths"]["/api/MzSettle/SettleByDoctor"]["post"]
        response = op["responses"]["200"]
    return copy.deepcopy(response["content"]["application/json"]["examples"]["success"]["value"])


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(envelope: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = envelope
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(envelope: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = envelope
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return mutate


ITEM = "response.FeeDetail.0.FeeCat.0.items.0"
BILL_BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "number-where-string-belongs": _set("response.SumFund", 136.4),
    "missing-GRZFJE3": _delete("response.GRZFJE3"),
    "status-4-not-in-catalogue": _set("status", 4),
    "isSuccess-as-string": _set("isSuccess", "true"),
    "status-as-string": _set("status", "0"),
    "null-doctor-name": _set("response.DoctName", None),
    "negative-amount": _set("response.SBZFJE", "-1.00"),
    "three-decimals": _set("response.GRZFJE3", "40.920"),
    "unit-price-five-decimals": _set(f"{ITEM}.PerItem.0.Price", "18.50000"),
    "fullwidth-digits": _set("response.SumFund", "１３６.40"),
    "missing-msgDev": _delete("msgDev"),
    "FeeDetail-not-a-list": _set("response.FeeDetail", {"FeeCat": []}),
    "PerItem-missing-Price": _delete(f"{ITEM}.PerItem.0.Price"),
    "Items-instead-of-items": lambda e: e["response"]["FeeDetail"][0]["FeeCat"][0].update(
        Items=e["response"]["FeeDetail"][0]["FeeCat"][0].pop("items")
    ),
    "success-without-bill": _set("response", None),
    "error-status-with-isSuccess-true": lambda e: e.update(status=6, response=None),
    "error-with-empty-msg": lambda e: e.update(status=6, isSuccess=False, msg="", response=None),
    "error-with-a-payload": lambda e: e.update(status=6, isSuccess=False),
}


@pytest.mark.parametrize("breakage", list(BILL_BREAKAGES.values()), ids=list(BILL_BREAKAGES))
def test_broken_bill_envelope_is_rejected(spec: Spec, breakage: Callable[[dict[str, Any]], None]) -> None:
    envelope = _success_example(spec, "getUnSettleBillByDoctor")
    validator = spec.response_validator("getUnSettleBillByDoctor")
    assert validator.is_valid(envelope), "the unbroken example must be valid"
    breakage(envelope)
    assert not validator.is_valid(envelope)


RECEIPT_BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "missing-CheckOutNo": _delete("response.CheckOutNo"),
    "ItemDetail-count-as-number": _set("response.Detail.0.Item.0.ItemDetail.0.PerItemCount", 2),
    "amount-with-comma": _set("response.SumFund", "1,136.40"),
}


@pytest.mark.parametrize("breakage", list(RECEIPT_BREAKAGES.values()), ids=list(RECEIPT_BREAKAGES))
def test_broken_receipt_envelope_is_rejected(spec: Spec, breakage: Callable[[dict[str, Any]], None]) -> None:
    envelope = _success_example(spec, "settleByDoctor")
    validator = spec.response_validator("settleByDoctor")
    assert validator.is_valid(envelope)
    breakage(envelope)
    assert not validator.is_valid(envelope)


@pytest.mark.parametrize(
    ("operation_id", "body"),
    [
        ("login", {}),
        ("login", {"userId": 7}),
        ("getUnSettleBillByDoctor", {"RegNo": 1628214442}),
        ("getUnSettleBillByDoctor", {"regno": "1628214442"}),
        ("getUnSettleBillByDoctor", []),
        ("settleByDoctor", {"CardNo": "C000123456"}),
    ],
    ids=["login-empty", "login-number", "regno-number", "regno-wrong-case", "array-body", "settle-partial"],
)
def test_invalid_request_bodies_are_rejected(spec: Spec, operation_id: str, body: Any) -> None:
    assert not spec.request_validator(operation_id).is_valid(body)


def test_money_with_three_decimals_is_rejected() -> None:
    spec = load_spec()
    op = spec.document["paths"]["/api/MzSettle/SettleByDoctor"]["post"]
    body = dict(op["requestBody"]["content"]["application/json"]["examples"]["demo"]["value"])
    validator = spec.request_validator("settleByDoctor")
    assert validator.is_valid(body)
    assert validator.is_valid({**body, "Extra": "unknown fields are allowed"})
    assert not validator.is_valid({**body, "Money": "40.925"})
