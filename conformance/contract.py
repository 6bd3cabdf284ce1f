"""The suite's view of `openapi.yaml`: per operation, what a success looks like and how to judge it.

Everything here is derived from the spec loaded by `his_contract` (operations, the success
branch of each response schema, the payload it carries, the amount schemas of SCH-2), so a
change to the contract changes the suite without touching it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator

from his_contract import Spec
from his_contract.schemas import follow_refs, resolve_ref

# Components whose values SCH-2 governs (decimal amount strings).
AMOUNT_SCHEMAS = ("Amount", "UnitPrice")
# The one operation that changes data; never sent unless the user allows settlement.
SETTLEMENT_OPERATION = "settleByDoctor"
LOGIN_OPERATION = "login"
BILL_OPERATION = "getUnSettleBillByDoctor"


@dataclass(slots=True, frozen=True)
class OperationModel:
    """One documented operation as the suite judges it."""

    operation_id: str
    path: str
    protected: bool
    deprecated: bool
    success_pointer: str  # JSON pointer of the success envelope's schema (status 0)
    payload: str  # name of the schema of `response` on success: Token, Bill, Receipt
    has_amounts: bool


class Contract:
    """The spec, read once for the suite."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.operations = {
            op_id: self._model(op_id, op.path, op.protected, op.deprecated, op.response_pointer)
            for op_id, op in spec.operations.items()
        }

    def operation(self, operation_id: str) -> OperationModel:
        return self.operations[operation_id]

    def success_validator(self, operation_id: str) -> Validator:
        return self.spec.validator(self.operations[operation_id].success_pointer)

    def request_validator(self, operation_id: str) -> Validator:
        return self.spec.request_validator(operation_id)

    def request_schema(self, operation_id: str) -> Mapping[str, Any]:
        """The resolved JSON Schema of an operation's request body (its `required`, its properties)."""
        return request_schema(self.spec, operation_id)

    def is_amount_schema(self, schema: object) -> bool:
        return is_amount_schema(self.spec, schema)

    def _model(
        self, operation_id: str, path: str, protected: bool, deprecated: bool, pointer: str
    ) -> OperationModel:
        node, pointer = follow_refs(self.spec.document, self._resolve_pointer(pointer), pointer)
        schema = _schema(node, pointer)
        success_pointer, payload_ref = self._success_branch(schema, pointer)
        payload = payload_ref.rsplit("/", 1)[-1]
        has_amounts = any(ref.rsplit("/", 1)[-1] in AMOUNT_SCHEMAS for ref in self._refs(payload_ref, set()))
        return OperationModel(
            operation_id, path, protected, deprecated, success_pointer, payload, has_amounts
        )

    def _success_branch(self, schema: Mapping[str, Any], pointer: str) -> tuple[str, str]:
        """The pointer of the branch of `schema` whose `status` is const 0, and its payload's $ref."""
        branches = schema.get("oneOf") or [{"$ref": pointer}]
        for branch in branches:
            branch_pointer = branch.get("$ref", pointer)
            resolved = self._resolve_pointer(branch_pointer)
            for part in resolved.get("allOf", [resolved]):
                properties = self._deref(part).get("properties", {})
                if properties.get("status", {}).get("const") == 0 and "$ref" in properties.get(
                    "response", {}
                ):
                    return branch_pointer, properties["response"]["$ref"]
        raise ValueError(f"no success branch (status const 0) in the schema at {pointer}")

    def _refs(self, ref: str, seen: set[str]) -> Iterator[str]:
        """Every $ref reachable from `ref` (including itself)."""
        if ref in seen:
            return
        seen.add(ref)
        yield ref
        for node in _walk(self._resolve_pointer(ref)):
            if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
                yield from self._refs(node["$ref"], seen)

    def _deref(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        return _schema(follow_refs(self.spec.document, node, "#")[0], "a $ref target")

    def _resolve_pointer(self, pointer: str) -> Mapping[str, Any]:
        return _schema(resolve_ref(self.spec.document, pointer), pointer)


def request_schema(spec: Spec, operation_id: str) -> Mapping[str, Any]:
    """The resolved object schema of an operation's request body (the `$ref` behind its media type)."""
    pointer = spec.operation(operation_id).request_pointer
    node, pointer = follow_refs(spec.document, resolve_ref(spec.document, pointer), pointer)
    return _schema(node, pointer)


def is_amount_schema(spec: Spec, schema: object) -> bool:
    """Whether `schema` is one of the amount schemas SCH-2 governs.

    It may be a `$ref` to one, an inlined copy (what the compiled validators report), or an
    `allOf` wrapping either (how the request schemas add a description to an amount).
    """
    node, _ = follow_refs(spec.document, schema, "#")
    if not isinstance(node, Mapping):
        return False
    components = spec.document["components"]["schemas"]
    if any(node == components[name] for name in AMOUNT_SCHEMAS):
        return True
    parts = node.get("allOf", [])
    return isinstance(parts, list) and any(is_amount_schema(spec, part) for part in parts)


def _schema(node: object, where: str) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise ValueError(f"{where} is not a schema object")
    return node


def _walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, Mapping):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
