"""Requests broken in exactly one way, each saying what was broken and why a server must refuse it.

The breakages are derived from the spec's request schema (its required fields, its `minLength`,
its amount fields), and every body that is still JSON is proven invalid by the spec's own request
validator before it is handed out: a case that the contract would accept is a bug here, not a
test. The caller adds the `Authorization` header for protected operations: a missing token would
be a second breakage (AUTH-3), and tokens belong to the deployment under test.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hypothesis import strategies as st

from conformance.contract import is_amount_schema, request_schema
from conformance.strategies.requests import bill_requests, login_requests, settle_requests
from his_contract.spec import Spec, load_spec

JSON_HEADERS: Mapping[str, str] = {"Content-Type": "application/json"}
# status 5 (入参参数错误) is what INP-1 demands for every breakage here.
INVALID_INPUT_STATUS = 5


class Breakage(StrEnum):
    """The one thing an invalid request gets wrong."""

    MISSING_FIELD = "missing-field"
    WRONG_TYPE = "wrong-type"
    EMPTY_STRING = "empty-string"
    BAD_AMOUNT = "bad-amount"
    NOT_AN_OBJECT = "not-an-object"
    MALFORMED_JSON = "malformed-json"
    EMPTY_BODY = "empty-body"


@dataclasses.dataclass(slots=True, frozen=True)
class InvalidRequest:
    """A request body broken in exactly one way.

    `body` is the exact bytes to POST with `headers`; `breakage` and `field` say what is broken
    (`field` is None when the whole body is), `reason` says why a server must answer
    `expected_status` (5, 入参参数错误, INP-1).
    """

    operation: str
    path: str
    body: bytes
    breakage: Breakage
    field: str | None
    reason: str
    headers: Mapping[str, str] = dataclasses.field(default_factory=lambda: dict(JSON_HEADERS))
    expected_status: int = INVALID_INPUT_STATUS

    @property
    def text(self) -> str:
        """The body as text (every body here is UTF-8)."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body as strict JSON; ValueError when it is not JSON (malformed or empty bodies)."""
        return _strict_loads(self.text)


def invalid_requests(
    operation: str, *, base: Mapping[str, Any] | None = None
) -> st.SearchStrategy[InvalidRequest]:
    """Bodies of `operation` (an operationId of the spec) broken in exactly one way.

    Each starts from a valid body, `base` or one drawn from the operation's valid strategy, and
    breaks one thing: drops a required field, gives a field a JSON type other than string,
    empties a required string, writes an amount the spec forbids, replaces the body by a non-object,
    mangles the JSON text, or sends nothing. Start from a body the server would accept (a real
    registration and bill) so that a server ignoring the breakage is caught answering status 0.
    """
    spec = load_spec()
    path = spec.operation(operation).path
    schema = request_schema(spec, operation)
    valid = st.just(dict(base)) if base is not None else _valid_bodies(operation)
    # One kind of breakage first, uniformly, then its details: one_of would favour its first branch.
    return valid.flatmap(
        lambda body: st.sampled_from(_breakages(spec, operation, path, schema, body)).flatmap(
            lambda kind: kind
        )
    )


def _valid_bodies(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    if operation == "login":
        return login_requests()
    if operation == "settleByDoctor":
        return settle_requests()
    return bill_requests()


def _breakages(
    spec: Spec, operation: str, path: str, schema: Mapping[str, Any], body: dict[str, Any]
) -> list[st.SearchStrategy[InvalidRequest]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in body]
    non_empty = [name for name in required if properties.get(name, {}).get("minLength", 0) >= 1]
    amounts = [
        name
        for name in properties
        if is_amount_schema(spec, properties[name]) and isinstance(body.get(name), str)
    ]
    validator = spec.request_validator(operation)

    def make(document: Any, breakage: Breakage, field: str | None, reason: str) -> InvalidRequest:
        if validator.is_valid(document):  # a defect of this module, never of the server under test
            raise AssertionError(f"{operation}: the {breakage} case {document!r} is valid per the spec")
        raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return InvalidRequest(operation, path, raw, breakage, field, reason)

    def raw(text: str, breakage: Breakage, reason: str) -> InvalidRequest:
        try:
            _strict_loads(text)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{operation}: the {breakage} case {text!r} is JSON")
        return InvalidRequest(operation, path, text.encode("utf-8"), breakage, None, reason)

    def without(name: str) -> InvalidRequest:
        document = {k: v for k, v in body.items() if k != name}
        return make(document, Breakage.MISSING_FIELD, name, f"the required field {name} is missing")

    def retyped(name: str, kind: str) -> InvalidRequest:
        value = _wrong_type(body.get(name, "1"), kind)
        reason = f"{name} is {_describe(value)}, not a string: the document types every field as string"
        return make({**body, name: value}, Breakage.WRONG_TYPE, name, reason)

    def emptied(name: str) -> InvalidRequest:
        reason = f"the required field {name} is an empty string"
        return make({**body, name: ""}, Breakage.EMPTY_STRING, name, reason)

    def bad_amount(name: str, variant: Callable[[str], str]) -> InvalidRequest:
        value = variant(body[name])
        reason = f"{name} is {value!r}: amounts are plain decimal strings with at most 2 decimals"
        return make({**body, name: value}, Breakage.BAD_AMOUNT, name, reason)

    def replaced(kind: str) -> InvalidRequest:
        document = _NON_OBJECTS[kind](body)
        return make(document, Breakage.NOT_AN_OBJECT, None, f"the body is {kind}, not a JSON object")

    def mangled(kind: str) -> InvalidRequest:
        text = _MALFORMATIONS[kind](json.dumps(body, ensure_ascii=False))
        return raw(text, Breakage.MALFORMED_JSON, f"the body is not JSON: {kind}")

    strategies = [
        st.sampled_from(list(properties)).flatmap(
            lambda name: st.sampled_from(_WRONG_TYPES).map(lambda kind: retyped(name, kind))
        ),
        st.sampled_from(sorted(_NON_OBJECTS)).map(replaced),
        st.sampled_from(sorted(_MALFORMATIONS)).map(mangled),
        st.sampled_from(("", "  \n")).map(
            lambda text: raw(
                text, Breakage.EMPTY_BODY, "the body is empty" if not text else "the body is blank"
            )
        ),
    ]
    if required:
        strategies.insert(0, st.sampled_from(required).map(without))
    if non_empty:
        strategies.append(st.sampled_from(non_empty).map(emptied))
    if amounts:
        strategies.append(
            st.tuples(st.sampled_from(amounts), st.sampled_from(_BAD_AMOUNTS)).map(
                lambda pair: bad_amount(*pair)
            )
        )
    return strategies


_WRONG_TYPES = ("number", "integer", "null", "boolean", "array", "object")


def _wrong_type(value: Any, kind: str) -> Any:
    """`value` in another JSON type; numbers keep the digits a careless client would send."""
    text = str(value)
    number = Decimal(text) if text.replace(".", "", 1).isdigit() else None
    if kind == "number":
        return float(number) if number is not None else 1.5
    if kind == "integer":
        return int(number) if number is not None else 1
    if kind == "null":
        return None
    if kind == "boolean":
        return True
    if kind == "array":
        return [value]
    return {"value": value}


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return (
        f"the JSON {type(value).__name__.replace('float', 'number').replace('int', 'integer')} "
        + json.dumps(value, ensure_ascii=False)
    )


# Amounts as clients and servers really mangle them; each one fails the spec's Amount pattern.
_BAD_AMOUNTS: tuple[Callable[[str], str], ...] = (
    lambda v: f"-{v}",  # negative
    lambda v: f"{v}0" if "." in v else f"{v}.000",  # three decimals
    lambda v: v.replace(".", ",") if "." in v else f"{v},00",  # decimal comma
    lambda v: v.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),  # full-width digits
    lambda v: f"¥{v}",  # currency sign
    lambda v: f"{v}元",  # currency unit
    lambda v: f" {v}",  # leading space
    lambda v: f"{v} ",  # trailing space
    lambda v: f"+{v}",  # explicit sign
    lambda v: "NaN",
    lambda v: "1e2",  # exponent
    lambda v: f"{v.split('.')[0]}.",  # dot without decimals
    lambda v: f"1,{v}",  # thousands separator
)

_NON_OBJECTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "an array holding the object": lambda body: [body],
    "an empty array": lambda body: [],
    "a string": lambda body: json.dumps(body, ensure_ascii=False),
    "a number": lambda body: 1628214442,
    "null": lambda body: None,
    "true": lambda body: True,
}

_MALFORMATIONS: dict[str, Callable[[str], str]] = {
    "truncated in the middle": lambda text: text[: max(1, len(text) // 2)],
    "a trailing comma": lambda text: text[:-1] + ",}",
    "single quotes": lambda text: text.replace('"', "'"),
    "unquoted keys": lambda text: text.replace('{"', "{", 1).replace('":', ":", 1),
    "no closing brace": lambda text: text[:-1],
    "a JavaScript comment": lambda text: "// 注释\n" + text,
    "two objects": lambda text: text + text,
    "a NaN literal": lambda text: text[:-1] + (", " if len(text) > 2 else "") + '"x": NaN}',
}


def _strict_loads(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)
