"""JSON Schema plumbing for the spec: local `$ref`s resolved and inlined, validators compiled once.

Two deliberate choices, both measured or observed:

- References are inlined before compiling. A validator built on `{"$ref": ...}` and a registry looks
  the reference up on every call; the inlined schema validates about twice as fast with identical
  results (the spec's schemas are not recursive, so inlining terminates).
- `pattern` follows JSON Schema's regular expressions (ECMA-262), not Python's: in Python `$` also
  matches before a final newline, so `"40.92\\n"` would pass `^[0-9]+(\\.[0-9]{1,2})?$` and reach
  the money arithmetic. Here `$` means the end of the string.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator

from his_contract.errors import SpecError

_MAX_DEPTH = 64


def resolve_ref(document: Mapping[str, Any], ref: object) -> Any:
    """The node a local reference (`#/a/b~1c`) points at, or a `SpecError` saying why not."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise SpecError(f"only local $refs are supported, found {ref!r}")
    target: Any = document
    for token in ref[2:].split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        try:
            target = target[key]
        except (KeyError, TypeError):
            raise SpecError(f"the spec's $ref {ref!r} points nowhere") from None
    return target


def follow_refs(document: Mapping[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """Follow `$ref` chains from `node` (found at `pointer`), returning the target and its pointer."""
    depth = 0
    while isinstance(node, Mapping) and "$ref" in node:
        depth += 1
        if depth > _MAX_DEPTH:
            raise SpecError(f"the $ref chain at {pointer} is recursive or deeper than {_MAX_DEPTH} levels")
        pointer = node["$ref"]
        node = resolve_ref(document, pointer)
    return node, pointer


def inline_refs(document: Mapping[str, Any], pointer: str) -> Any:
    """The schema at `pointer` (`#/...`) of `document` with every local `$ref` replaced by its target."""
    return _inline({"$ref": pointer}, document, 0)


def compile_validator(schema: Any) -> Validator:
    """A Draft 2020-12 validator for a self-contained schema, with ECMA `pattern` semantics."""
    validator: Validator = _HisValidator(schema)
    return validator


def _inline(node: Any, document: Mapping[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise SpecError(f"a $ref chain in the spec is recursive or deeper than {_MAX_DEPTH} levels")
    if isinstance(node, list):
        return [_inline(item, document, depth) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" not in node:
        return {key: _inline(value, document, depth) for key, value in node.items()}
    target = _inline(resolve_ref(document, node["$ref"]), document, depth + 1)
    siblings = {key: _inline(value, document, depth) for key, value in node.items() if key != "$ref"}
    # In 2020-12 a $ref applies alongside its siblings: keep both by nesting the target in allOf.
    return {"allOf": [target], **siblings} if siblings else target


@functools.lru_cache(maxsize=256)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile a JSON Schema pattern so that an unescaped `$` outside a class is the end of input."""
    out: list[str] = []
    in_class = False
    escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        elif char == "$" and not in_class:
            out.append(r"\Z")
        else:
            out.append(char)
    return re.compile("".join(out))


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_HisValidator: Any = validators.extend(  # type: ignore[no-untyped-call]  # jsonschema leaves it untyped
    Draft202012Validator, {"pattern": _pattern}
)
