"""Every field of the document's tables is in the spec, spelled the same, with the right required-ness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from conformance.contract import Contract
from his_contract import Spec
from his_contract.schemas import follow_refs
from tests.spec import document_fields as doc


def _resolve(spec: Spec, node: Mapping[str, Any]) -> Any:
    return follow_refs(spec.document, node, "")[0]


def _object(spec: Spec, node: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Properties and required names of an object schema, merging allOf branches."""
    node = _resolve(spec, node)
    properties: dict[str, Any] = dict(node.get("properties", {}))
    required = set(node.get("required", []))
    for branch in node.get("allOf", []):
        more_properties, more_required = _object(spec, branch)
        for name, schema in more_properties.items():
            properties[name] = {"allOf": [properties[name], schema]} if name in properties else schema
        required |= more_required
    return properties, required


def _success_payload(spec: Spec, operation_id: str) -> Mapping[str, Any]:
    """The `response` schema of the operation's success branch, as the suite finds it (one lookup)."""
    payload = Contract(spec).operation(operation_id).payload
    resolved: Mapping[str, Any] = _resolve(spec, {"$ref": f"#/components/schemas/{payload}"})
    return resolved


def _items(spec: Spec, node: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    properties, _ = _object(spec, node)
    array = _resolve(spec, properties[field])
    assert array["type"] == "array", field
    return _resolve(spec, array["items"])


def _assert_fields(spec: Spec, node: Mapping[str, Any], expected: dict[str, bool], where: str) -> None:
    properties, required = _object(spec, node)
    missing = sorted(set(expected) - set(properties))
    assert missing == [], f"{where}: fields of the document missing from the spec: {missing}"
    wrong = sorted(name for name, is_required in expected.items() if (name in required) != is_required)
    assert wrong == [], f"{where}: required-ness differs from the document for {wrong}"


def test_login_request(spec: Spec) -> None:
    _assert_fields(
        spec, {"$ref": spec.operation("login").request_pointer}, doc.LOGIN_REQUEST, "login request"
    )


@pytest.mark.parametrize("operation_id", ["login", "getUnSettleBillByDoctor", "settleByDoctor"])
def test_envelope(spec: Spec, operation_id: str) -> None:
    envelope = _resolve(spec, {"$ref": spec.operation(operation_id).response_pointer})
    for branch in envelope["oneOf"]:
        _assert_fields(spec, branch, doc.ENVELOPE, f"{operation_id} envelope")


def test_bill_request(spec: Spec) -> None:
    pointer = spec.operation("getUnSettleBillByDoctor").request_pointer
    _assert_fields(spec, {"$ref": pointer}, doc.BILL_REQUEST, "bill request")


def test_bill_and_its_nested_lists(spec: Spec) -> None:
    bill = _success_payload(spec, "getUnSettleBillByDoctor")
    _assert_fields(spec, bill, doc.BILL, "bill")
    fee_detail = _items(spec, bill, "FeeDetail")
    _assert_fields(spec, fee_detail, doc.FEE_DETAIL, "FeeDetail")
    fee_cat = _items(spec, fee_detail, "FeeCat")
    _assert_fields(spec, fee_cat, doc.FEE_CAT, "FeeCat")
    item = _items(spec, fee_cat, "items")
    _assert_fields(spec, item, doc.FEE_ITEM, "items")
    _assert_fields(spec, _items(spec, item, "PerItem"), doc.PER_ITEM, "PerItem")


def test_settle_request(spec: Spec) -> None:
    pointer = spec.operation("settleByDoctor").request_pointer
    _assert_fields(spec, {"$ref": pointer}, doc.SETTLE_REQUEST, "settle request")


def test_receipt_and_its_nested_lists(spec: Spec) -> None:
    receipt = _success_payload(spec, "settleByDoctor")
    _assert_fields(spec, receipt, doc.RECEIPT, "receipt")
    detail = _items(spec, receipt, "Detail")
    _assert_fields(spec, detail, doc.RECEIPT_DETAIL, "Detail")
    item = _items(spec, detail, "Item")
    _assert_fields(spec, item, doc.RECEIPT_ITEM, "Item")
    _assert_fields(spec, _items(spec, item, "ItemDetail"), doc.RECEIPT_ITEM_DETAIL, "ItemDetail")


def test_every_documented_field_is_a_string_or_a_list(spec: Spec) -> None:
    """The document types every field string or List; no number or boolean may creep in."""
    for name in (
        "Bill",
        "FeeItem",
        "PerItem",
        "Receipt",
        "ReceiptItem",
        "ReceiptItemDetail",
        "SettleRequest",
    ):
        properties, _ = _object(spec, {"$ref": f"#/components/schemas/{name}"})
        for field, schema in properties.items():
            parts = [_resolve(spec, part) for part in schema.get("allOf", [schema])] + [schema]
            types = {part["type"] for part in parts if "type" in part}
            assert types in ({"string"}, {"array"}), f"{name}.{field} is typed {types}"
