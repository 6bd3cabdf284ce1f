"""What kind of invalid input a request body is, read against the operation's request schema.

The fuzzer tags its negative cases with it, and INP-1 reads recorded requests (a HAR file)
with it: edge input (an empty string, a lone surrogate, an over-long string, a string of the
wrong format) is judged more mildly than a body that breaks the document's own rules.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema.protocols import Validator

from conformance.intents import InputKind

# Longer than this is "a string of several KiB" (CONTRACT.md, INP-1): edge input.
LONG_STRING = 1024
_MAX_DEPTH = 64


def classify_body(body: bytes | None, validator: Validator) -> InputKind | None:
    """The kind of invalid input `body` is, or None when it keeps the request schema."""
    if not body or not body.strip():
        return InputKind.EMPTY_BODY
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except _NonJsonConstant:
        return InputKind.NAN_LITERAL
    except (ValueError, RecursionError):
        return InputKind.MALFORMED_JSON
    if not isinstance(document, dict):
        return InputKind.NON_OBJECT
    kinds = [_kind(error.validator, error.instance) for error in validator.iter_errors(document)]
    strict = [kind for kind in kinds if not kind.edge]
    if strict:
        return strict[0]
    if kinds:
        return kinds[0]
    if _has_lone_surrogate(document, 0):
        return InputKind.LONE_SURROGATE
    if _has_long_string(document, 0):
        return InputKind.LONG_STRING
    return None


def _kind(keyword: object, instance: object) -> InputKind:
    if keyword == "required":
        return InputKind.MISSING_FIELD
    if keyword == "type":
        return InputKind.WRONG_TYPE
    if keyword == "minLength" and instance == "":
        return InputKind.EMPTY_STRING
    if keyword == "maxLength":
        return InputKind.LONG_STRING
    if keyword in ("pattern", "format", "minLength"):
        return InputKind.INVALID_FORMAT
    return InputKind.SCHEMA_VIOLATION


class _NonJsonConstant(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonJsonConstant(name)


def _has_lone_surrogate(value: object, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item, depth + 1) for item in value)
    return False


def _has_long_string(value: object, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, str):
        return len(value) > LONG_STRING
    if isinstance(value, dict):
        return any(_has_long_string(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_has_long_string(item, depth + 1) for item in value)
    return False
