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
from his_contract.spec import load_spec

JSON_HEADERS: Mapping[str, str] = {"Content-Type": "application/json"}
# status 5 (入参参数错误) is what INP-1 demands for every breakage here, and recommends for edge input.
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


# The breakages INP-1 calls edge input (CONTRACT.md): never status 0, never a 5xx, 5 recommended.
EDGE_INPUT_BREAKAGES = frozenset({Breakage.EMPTY_STRING})


@dataclasses.dataclass(slots=True, frozen=True)
class InvalidRequest:
    """A request body broken in exactly one way.

    `body` is the exact bytes to POST with `headers`; `breakage` and `field` say what is broken
    (`field` is None when the whole body is), `reason` says why a server must answer
    `expected_status` (5, 入参参数错误, INP-1), or, for `edge_input`, should.
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
    def edge_input(self) -> bool:
        """Edge input in INP-1's sense (an empty required string): the document does not settle it,
        so any non-zero status keeps the contract and `expected_status` (5) is advice."""
        return self.breakage in EDGE_INPUT_BREAKAGES

    @property
    def text(self) -> str:
        """The body as text (every body here is UTF-8)."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body as strict JSON; ValueError when it is not JSON (malformed or empty bodies)."""
        return _strict_loads(self.text)


Pair = tuple[Breakage, str | None]


def breakage_pairs(operation: str) -> tuple[Pair, ...]:
    """Every (breakage, field) an `operation`'s requests can be broken by, read off its schema.

    `field` is None for the breakages of the whole body (not an object, malformed JSON, empty).
    The order is the spec's: breakages as `Breakage` lists them, fields as the schema does.
    """
    spec = load_spec()
    schema = request_schema(spec, operation)
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in properties if name in schema.get("required", [])]
    fields: dict[Breakage, list[str | None]] = {
        Breakage.MISSING_FIELD: list(required),
        Breakage.WRONG_TYPE: list(properties),
        Breakage.EMPTY_STRING: [n for n in required if properties[n].get("minLength", 0) >= 1],
        Breakage.BAD_AMOUNT: [n for n in properties if is_amount_schema(spec, properties[n])],
        Breakage.NOT_AN_OBJECT: [None],
        Breakage.MALFORMED_JSON: [None],
        Breakage.EMPTY_BODY: [None],
    }
    return tuple((breakage, field) for breakage in Breakage for field in fields[breakage])


def variant_count(breakage: Breakage) -> int:
    """How many ways there are to apply one breakage to one field (or to the body)."""
    return len(_VARIANTS[breakage])


def break_request(
    operation: str, body: Mapping[str, Any], breakage: Breakage, field: str | None, variant: int = 0
) -> InvalidRequest:
    """`body` (a valid request of `operation`) broken by `breakage` at `field`, in its `variant`-th way.

    ValueError when the breakage does not apply to this body (a field it lacks); the result is
    proven invalid by the spec's validator (or proven not to be JSON) before it is returned.
    """
    return _Breaker(operation, dict(body)).build(breakage, field, variant % variant_count(breakage))


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
    pairs = breakage_pairs(operation)
    valid = st.just(dict(base)) if base is not None else valid_bodies(operation)

    def broken(body: dict[str, Any]) -> st.SearchStrategy[InvalidRequest]:
        breaker = _Breaker(operation, body)
        fields: dict[Breakage, list[str | None]] = {}
        for breakage, field in pairs:
            if breaker.applies(breakage, field):
                fields.setdefault(breakage, []).append(field)
        # One kind of breakage first, uniformly, then its field and variant: one_of would favour
        # its first branch, and a kind with many fields would crowd out the others.
        return st.sampled_from(list(fields)).flatmap(
            lambda kind: st.tuples(
                st.sampled_from(fields[kind]), st.integers(min_value=0, max_value=variant_count(kind) - 1)
            ).map(lambda choice: breaker.build(kind, *choice))
        )

    return valid.flatmap(broken)


def valid_bodies(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """Everyday valid bodies of `operation`, the starting points of its invalid ones."""
    if operation == "login":
        return login_requests()
    if operation == "settleByDoctor":
        return settle_requests()
    return bill_requests()


class _Breaker:
    """Breaks one valid body of one operation, and proves every result invalid."""

    def __init__(self, operation: str, body: dict[str, Any]) -> None:
        spec = load_spec()
        self.operation = operation
        self.path = spec.operation(operation).path
        self.body = body
        self.validator = spec.request_validator(operation)

    def applies(self, breakage: Breakage, field: str | None) -> bool:
        if breakage in (Breakage.MISSING_FIELD, Breakage.EMPTY_STRING):
            return field in self.body
        if breakage is Breakage.BAD_AMOUNT:
            return isinstance(self.body.get(str(field)), str)
        return True

    def build(self, breakage: Breakage, field: str | None, variant: int) -> InvalidRequest:
        if not self.applies(breakage, field):
            raise ValueError(f"{self.operation}: {breakage} does not apply to {field} of this body")
        body, name = self.body, str(field)
        if breakage is Breakage.MISSING_FIELD:
            document = {k: v for k, v in body.items() if k != name}
            return self._make(document, breakage, name, f"the required field {name} is missing")
        if breakage is Breakage.WRONG_TYPE:
            value = _wrong_type(body.get(name, "1"), _WRONG_TYPES[variant])
            reason = f"{name} is {_describe(value)}, not a string: the document types every field as string"
            return self._make({**body, name: value}, breakage, name, reason)
        if breakage is Breakage.EMPTY_STRING:
            reason = f"the required field {name} is an empty string"
            return self._make({**body, name: ""}, breakage, name, reason)
        if breakage is Breakage.BAD_AMOUNT:
            value = _BAD_AMOUNTS[variant](body[name])
            reason = f"{name} is {value!r}: amounts are plain decimal strings with at most 2 decimals"
            return self._make({**body, name: value}, breakage, name, reason)
        if breakage is Breakage.NOT_AN_OBJECT:
            kind = sorted(_NON_OBJECTS)[variant]
            document = _NON_OBJECTS[kind](body)
            return self._make(document, breakage, None, f"the body is {kind}, not a JSON object")
        if breakage is Breakage.MALFORMED_JSON:
            kind = sorted(_MALFORMATIONS)[variant]
            text = _MALFORMATIONS[kind](json.dumps(body, ensure_ascii=False))
            return self._raw(text, breakage, f"the body is not JSON: {kind}")
        text = _BLANK_BODIES[variant]
        return self._raw(text, breakage, "the body is empty" if not text else "the body is blank")

    def _make(self, document: Any, breakage: Breakage, field: str | None, reason: str) -> InvalidRequest:
        if self.validator.is_valid(document):  # a defect of this module, never of the server under test
            raise AssertionError(f"{self.operation}: the {breakage} case {document!r} is valid per the spec")
        raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return InvalidRequest(self.operation, self.path, raw, breakage, field, reason)

    def _raw(self, text: str, breakage: Breakage, reason: str) -> InvalidRequest:
        try:
            _strict_loads(text)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{self.operation}: the {breakage} case {text!r} is JSON")
        return InvalidRequest(self.operation, self.path, text.encode("utf-8"), breakage, None, reason)


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


_BLANK_BODIES = ("", "  \n")

# The ways of each breakage; `variant` indexes these.
_VARIANTS: dict[Breakage, tuple[object, ...]] = {
    Breakage.MISSING_FIELD: (None,),
    Breakage.WRONG_TYPE: _WRONG_TYPES,
    Breakage.EMPTY_STRING: (None,),
    Breakage.BAD_AMOUNT: _BAD_AMOUNTS,
    Breakage.NOT_AN_OBJECT: tuple(sorted(_NON_OBJECTS)),
    Breakage.MALFORMED_JSON: tuple(sorted(_MALFORMATIONS)),
    Breakage.EMPTY_BODY: _BLANK_BODIES,
}


def _strict_loads(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)
