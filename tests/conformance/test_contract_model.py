"""The suite's reading of openapi.yaml: request schemas and amount schemas, one definition each."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from conformance.contract import AMOUNT_SCHEMAS, Contract, is_amount_schema, request_schema
from conformance.strategies.invalid import Breakage, InvalidRequest, invalid_requests
from his_contract import load_spec
from his_contract.errors import SpecError
from his_contract.schemas import inline_refs


def test_request_schemas_are_the_objects_behind_the_refs() -> None:
    spec = load_spec()

    assert request_schema(spec, "login")["required"] == ["userId"]
    assert "Money" in request_schema(spec, "settleByDoctor")["required"]
    assert request_schema(spec, "getUnSettleBillByDoctor") == request_schema(
        spec, "getUnpayBillByDoctorAlias"
    )
    assert Contract(spec).request_schema("settleByDoctor") is request_schema(spec, "settleByDoctor")


def test_amounts_are_recognised_as_ref_as_allof_and_inlined() -> None:
    spec = load_spec()
    properties = request_schema(spec, "settleByDoctor")["properties"]

    assert is_amount_schema(spec, properties["Money"])  # allOf: [$ref Amount] + description
    assert not is_amount_schema(spec, properties["CardNo"])
    for name in AMOUNT_SCHEMAS:
        pointer = f"#/components/schemas/{name}"
        assert is_amount_schema(spec, {"$ref": pointer})
        assert is_amount_schema(spec, inline_refs(spec.document, pointer))  # what validators report
    assert not is_amount_schema(spec, "Amount")


def test_a_pointer_is_resolved_by_prefix_not_by_stripping_characters() -> None:
    """`lstrip("#/")` would turn `#//x` into `x`; a JSON pointer's tokens are kept as written."""
    with pytest.raises(SpecError, match="points nowhere"):
        Contract(load_spec())._resolve_pointer("#//components")


@settings(max_examples=10)
@given(request=invalid_requests("settleByDoctor").filter(lambda r: r.breakage is Breakage.BAD_AMOUNT))
def test_bad_amount_breakages_come_from_the_shared_amount_definition(request: InvalidRequest) -> None:
    assert request.field == "Money"
