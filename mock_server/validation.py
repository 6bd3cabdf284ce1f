"""Request checks driven by the spec: content type and charset, size, JSON (UTF-8, bounded depth), schema.

The JSON Schema validators are compiled once (`his_contract.Spec.request_validator`, references
inlined); a request pays only for `is_valid`, and only an invalid one for finding the error to report.
Every failure is an `InvalidInput` (status 5) whose `msg` names the field and the reason in Chinese,
as the document does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from his_contract import MAX_DEPTH, JsonBoundsError, Spec, loads_bounded
from mock_server.errors import InvalidInput

MAX_BODY_BYTES = 64 * 1024
# A request body may nest arrays and objects `MAX_DEPTH` (64) levels deep, an unknown extra field
# included (his_contract.jsonbounds); the document's deepest request is 1 level, an object of strings.
PREFIX = "入参参数错误："
_WHY = {
    "encoding": "请求体不是 UTF-8 编码的 JSON",
    "depth": f"请求体嵌套过深（上限 {MAX_DEPTH} 层）",
    "size": "请求体过大",
    "syntax": "请求体不是合法的 JSON",
}
_JSON_TYPES = {
    dict: "对象",
    list: "数组",
    str: "字符串",
    bool: "布尔值",
    int: "数字",
    float: "数字",
    type(None): "null",
}
# How a body can hold a lone UTF-16 surrogate once it is valid UTF-8: a JSON escape (\ud800). (Its
# 3-byte encoding is not UTF-8 and refused before.) Only bodies with such an escape are walked.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SCHEMA_TYPES = {"string": "字符串", "object": "对象", "array": "数组", "integer": "整数", "number": "数字"}


class RequestChecker:
    """Parses and validates request bodies of the spec's operations."""

    def __init__(self, spec: Spec, *, validate: bool = True) -> None:
        self._validators: dict[str, Validator] = {
            op_id: spec.request_validator(op_id) for op_id in spec.operations
        }
        # The spec's requests are flat objects of strings: a plain check says "valid" in a tenth of
        # jsonschema's time; only a body it doubts goes to jsonschema (which also finds the error).
        self._flat = {op_id: FlatObjectCheck.compile(v.schema) for op_id, v in self._validators.items()}
        # Switched off only to measure what validation costs (hidden --no-validate).
        self.validate = validate

    def body(self, operation_id: str, raw: bytes, content_type: str | None) -> dict[str, Any]:
        """The request body as a JSON object that matches the operation's schema, or `InvalidInput`."""
        check_content_type(content_type)
        if not raw.strip():
            raise InvalidInput(f"{PREFIX}请求体为空，应为 JSON 对象", "request body is empty", binding=True)
        try:
            body = loads_bounded(raw, max_depth=MAX_DEPTH, max_bytes=MAX_BODY_BYTES)
        except JsonBoundsError as exc:
            raise InvalidInput(
                f"{PREFIX}{_WHY[exc.kind]}", f"{exc.kind}: {exc.reason}", binding=True
            ) from None
        if not isinstance(body, dict):
            raise InvalidInput(
                f"{PREFIX}请求体应为 JSON 对象，实际为{_json_type(body)}",
                f"request body must be a JSON object, got {type(body).__name__}",
                binding=True,
            )
        if _SURROGATE.search(raw):
            field = find_lone_surrogate(body)
            if field is not None:
                raise InvalidInput(
                    f"{PREFIX}{field or '请求体'} 含有无效的 Unicode 字符（孤立的代理项 \\uD800-\\uDFFF）",
                    f"{field or 'body'}: a lone UTF-16 surrogate is not text (no UTF-8 form)",
                    binding=True,
                    field=f"$.{field}" if field else "$",
                )
        if self.validate:
            flat = self._flat[operation_id]
            if flat is None or not flat.accepts(body):
                validator = self._validators[operation_id]
                if not validator.is_valid(body):
                    raise _describe(best_match(validator.iter_errors(body)))
        return body


_ANNOTATIONS = {"description", "title", "example", "examples"}
_FLAT_OBJECT_KEYS = {"type", "required", "properties", *_ANNOTATIONS}
_STRING_KEYS = {"type", "minLength", "maxLength", "pattern", *_ANNOTATIONS}


class FlatObjectCheck:
    """A request schema of the form {type: object, required, properties: {name: {type: string,
    minLength, maxLength, pattern} or an allOf of such}} (extra fields allowed), checked by plain
    Python with jsonschema's meaning of each keyword. `compile` gives None for any other schema: that
    one goes to jsonschema only."""

    __slots__ = ("required", "strings")

    def __init__(self, required: tuple[str, ...], strings: dict[str, _StringRule]) -> None:
        self.required = required
        self.strings = strings

    @classmethod
    def compile(cls, schema: Any) -> FlatObjectCheck | None:
        if (
            not isinstance(schema, Mapping)
            or set(schema) - _FLAT_OBJECT_KEYS
            or schema.get("type") != "object"
        ):
            return None
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        if not isinstance(required, list) or not isinstance(properties, Mapping):
            return None
        strings: dict[str, _StringRule] = {}
        for name, sub in properties.items():
            rule = _StringRule.compile(sub)
            if rule is None:
                return None
            strings[str(name)] = rule
        return cls(tuple(str(name) for name in required), strings)

    def accepts(self, body: dict[str, Any]) -> bool:
        """True when jsonschema would find `body` (a JSON object) valid."""
        for name in self.required:
            if name not in body:
                return False
        for name, rule in self.strings.items():
            if name in body and not rule.accepts(body[name]):
                return False
        return True


class _StringRule:
    """{type: string, minLength, maxLength, pattern}, or an allOf of such schemas (all must hold)."""

    __slots__ = ("minimum", "maximum", "patterns")

    def __init__(self, minimum: int, maximum: int | None, patterns: tuple[re.Pattern[str], ...]) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.patterns = patterns

    @classmethod
    def compile(cls, schema: Any) -> _StringRule | None:
        if not isinstance(schema, Mapping):
            return None
        parts = schema.get("allOf")
        if parts is not None:
            if set(schema) - {"allOf", *_ANNOTATIONS} or not isinstance(parts, list) or not parts:
                return None
            rules = [cls.compile(part) for part in parts]
            if any(rule is None for rule in rules):
                return None
            found = [rule for rule in rules if rule is not None]
            maxima = [rule.maximum for rule in found if rule.maximum is not None]
            return cls(
                max(rule.minimum for rule in found),
                min(maxima) if maxima else None,
                tuple(pattern for rule in found for pattern in rule.patterns),
            )
        if set(schema) - _STRING_KEYS or schema.get("type") != "string":
            return None
        minimum, maximum, pattern = schema.get("minLength", 0), schema.get("maxLength"), schema.get("pattern")
        if not isinstance(minimum, int) or not (maximum is None or isinstance(maximum, int)):
            return None
        if pattern is not None and not isinstance(pattern, str):
            return None
        return cls(minimum, maximum, () if pattern is None else (re.compile(pattern),))

    def accepts(self, value: Any) -> bool:
        if not isinstance(value, str) or len(value) < self.minimum:
            return False
        if self.maximum is not None and len(value) > self.maximum:
            return False
        # jsonschema's `pattern` is re.search, not a full match.
        return all(pattern.search(value) is not None for pattern in self.patterns)


def check_content_type(content_type: str | None) -> None:
    """`InvalidInput` unless the header is `application/json`, with no charset or charset UTF-8."""
    mimetype, charset = parse_content_type(content_type)
    if mimetype != "application/json":
        shown = mimetype or "（无）"
        raise InvalidInput(
            f"{PREFIX}Content-Type 应为 application/json，实际为 {shown}",
            f"Content-Type must be application/json, got {mimetype or 'none'}",
            binding=True,
        )
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise InvalidInput(
            f"{PREFIX}Content-Type 声明的字符集 {charset} 不受支持，请求体应为 UTF-8 编码的 JSON",
            f"Content-Type declares charset={charset}; JSON is UTF-8 (RFC 8259)",
            binding=True,
        )


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """The lower-case media type of a Content-Type header and its charset parameter (None if absent)."""
    if not value:
        return "", None
    mimetype, *parameters = value.split(";")
    charset = None
    for parameter in parameters:
        name, _, content = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = content.strip().strip('"').lower()
    return mimetype.strip().lower(), charset


def find_lone_surrogate(value: object, path: str = "") -> str | None:
    """The dotted path of the first key or string holding a lone surrogate (`""` for the top level);
    None when there is none. Such text cannot be written as UTF-8: not to the database, not to a log."""
    if isinstance(value, str):
        return None if value.isascii() or not _has_surrogate(value) else path
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if _has_surrogate(str(key)):
                return path or ""
            found = find_lone_surrogate(item, child)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_lone_surrogate(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def too_large(length: int) -> InvalidInput:
    """The error for a body over `MAX_BODY_BYTES`."""
    return InvalidInput(
        f"{PREFIX}请求体过大（{length} 字节），上限为 {MAX_BODY_BYTES} 字节",
        f"request body of {length} bytes exceeds {MAX_BODY_BYTES}",
        binding=True,
    )


def _describe(error: ValidationError) -> InvalidInput:
    """Turn the most relevant schema error into a Chinese message naming the field and the reason."""
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        required: Any = error.validator_value
        missing = next((str(name) for name in required if name not in error.instance), str(error.message))
        field = ".".join([*path, missing])
        return InvalidInput(f"{PREFIX}{field} 为必填项", f"body: {error.message}", field=f"$.{field}")
    field = ".".join(path) or "请求体"
    where = f"body.{'.'.join(path)}" if path else "body"
    dev = f"{where}: {error.message}"
    json_field = f"$.{'.'.join(path)}" if path else "$"
    if error.validator == "type":
        expected = _SCHEMA_TYPES.get(str(error.validator_value), str(error.validator_value))
        return InvalidInput(
            f"{PREFIX}{field} 应为{expected}，实际为{_json_type(error.instance)}",
            dev,
            binding=True,
            field=json_field,
        )
    if error.validator == "minLength":
        return InvalidInput(f"{PREFIX}{field} 不能为空", dev, field=json_field)
    if error.validator == "pattern":
        return InvalidInput(
            f"{PREFIX}{field} 格式不正确，应为非负金额、最多两位小数（如 40.92），实际为 {error.instance!r}",
            dev,
            field=json_field,
        )
    return InvalidInput(f"{PREFIX}{field} 不合法：{error.message}", dev, field=json_field)


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)
