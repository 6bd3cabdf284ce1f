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
        schemas = spec.document["components"]["schemas"]
        self.amount_schemas = [schemas[name] for name in AMOUNT_SCHEMAS]
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
        return self._deref(self._resolve_pointer(self.spec.operation(operation_id).request_pointer))

    def is_amount_schema(self, schema: object) -> bool:
        return any(schema == amount for amount in self.amount_schemas)

    def _model(
        self, operation_id: str, path: str, protected: bool, deprecated: bool, pointer: str
    ) -> OperationModel:
        schema = self._resolve_pointer(pointer)
        while "$ref" in schema:
            pointer = schema["$ref"]
            schema = self._resolve_pointer(pointer)
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
        while "$ref" in node:
            node = self._resolve_pointer(node["$ref"])
        return node

    def _resolve_pointer(self, pointer: str) -> Mapping[str, Any]:
        target: Any = self.spec.document
        for token in pointer.lstrip("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        if not isinstance(target, Mapping):
            raise ValueError(f"{pointer} is not a schema object")
        return target


def _walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, Mapping):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
