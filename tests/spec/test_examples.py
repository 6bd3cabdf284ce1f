"""Every example in the spec validates against its own schema, and every bill and receipt adds up."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from his_contract import Spec, check_bill, check_receipt, load_spec
from his_contract.schemas import follow_refs


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> Any:
    return follow_refs(document, node, "")[0]


def _examples(spec: Spec) -> Iterator[tuple[str, str, str, Any]]:
    """(id, operationId, 'request'|'response <code>', value) for every example of every operation."""
    doc = spec.document
    for operation in spec.operations.values():
        op = doc["paths"][operation.path][operation.method.lower()]
        body = _resolve(doc, op["requestBody"])
        for name, example in body["content"]["application/json"].get("examples", {}).items():
            yield (
                f"{operation.operation_id}-request-{name}",
                operation.operation_id,
                "request",
                example["value"],
            )
        for code, response in op["responses"].items():
            response = _resolve(doc, response)
            for name, example in response["content"]["application/json"].get("examples", {}).items():
                yield (
                    f"{operation.operation_id}-{code}-{name}",
                    operation.operation_id,
                    f"response {code}",
                    example["value"],
                )


EXAMPLES = list(_examples(load_spec()))


def test_every_operation_has_a_success_and_two_failure_examples(spec: Spec) -> None:
    for operation_id in ("login", "getUnSettleBillByDoctor", "settleByDoctor"):
        responses = [v for _, op, kind, v in EXAMPLES if op == operation_id and kind.startswith("response")]
        assert sum(1 for v in responses if v["status"] == 0) >= 1, operation_id
        assert sum(1 for v in responses if v["status"] != 0) >= 2, operation_id
        assert any(op == operation_id and kind == "request" for _, op, kind, _ in EXAMPLES), operation_id


@pytest.mark.parametrize(
    ("operation_id", "kind", "value"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES]
)
def test_example_validates_against_its_schema(spec: Spec, operation_id: str, kind: str, value: Any) -> None:
    if kind == "request":
        validator = spec.request_validator(operation_id)
    elif kind == "response 200":
        validator = spec.response_validator(operation_id)
    else:
        validator = spec.schema_validator("ErrorEnvelope")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert errors == []


PAYLOADS = [e for e in EXAMPLES if e[2].startswith("response") and e[3]["status"] == 0 and e[1] != "login"]


@pytest.mark.parametrize(
    ("operation_id", "kind", "value"), [e[1:] for e in PAYLOADS], ids=[e[0] for e in PAYLOADS]
)
def test_example_bills_and_receipts_add_up(operation_id: str, kind: str, value: Any) -> None:
    check = check_receipt if operation_id == "settleByDoctor" else check_bill
    assert check(value["response"]) == []


def test_no_placeholder_strings_in_examples() -> None:
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    found = {s for *_, value in EXAMPLES for s in strings(value) if s in {"string", "stirng"}}
    assert found == set()


def test_settle_example_pays_the_bill_example() -> None:
    bill = next(v for _, op, kind, v in EXAMPLES if op == "getUnSettleBillByDoctor" and v.get("status") == 0)
    settle = next(v for _, op, kind, v in EXAMPLES if op == "settleByDoctor" and kind == "request")
    receipt = next(v for _, op, kind, v in EXAMPLES if op == "settleByDoctor" and v.get("status") == 0)
    assert settle["Money"] == bill["response"]["GRZFJE3"]
    assert settle["BILLID"] == bill["response"]["BILLID"]
    for field in ("SumFund", "SBZFJE", "GRZFJE3"):
        assert receipt["response"][field] == bill["response"][field]
    assert receipt["response"]["CardNo"] == settle["CardNo"]
    assert receipt["response"]["RegSerNo"] == settle["RegSerNo"]
