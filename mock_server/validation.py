"""Request checks driven by the spec: content type, size, JSON, and the operation's request schema.

The JSON Schema validators are compiled once (`his_contract.Spec.request_validator`, references
inlined); a request pays only for `is_valid`, and only an invalid one for finding the error to report.
Every failure is an `InvalidInput` (status 5) whose `msg` names the field and the reason in Chinese,
as the document does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from his_contract import Spec
from mock_server.errors import InvalidInput

MAX_BODY_BYTES = 64 * 1024
PREFIX = "入参参数错误："
_JSON_TYPES = {
    dict: "对象",
    list: "数组",
    str: "字符串",
    bool: "布尔值",
    int: "数字",
    float: "数字",
    type(None): "null",
}
# How a body can hold a lone UTF-16 surrogate: a JSON escape (\ud800), or its 3-byte encoding, which
# json.loads lets through (it decodes bytes with "surrogatepass"). Only such bodies are walked.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SCHEMA_TYPES = {"string": "字符串", "object": "对象", "array": "数组", "integer": "整数", "number": "数字"}


class RequestChecker:
    """Parses and validates request bodies of the spec's operations."""

    def __init__(self, spec: Spec, *, validate: bool = True) -> None:
        self._validators: dict[str, Validator] = {
            op_id: spec.request_validator(op_id) for op_id in spec.operations
        }
        # Switched off only to measure what validation costs (hidden --no-validate).
        self.validate = validate

    def body(self, operation_id: str, raw: bytes, mimetype: str) -> dict[str, Any]:
        """The request body as a JSON object that matches the operation's schema, or `InvalidInput`."""
        if mimetype != "application/json":
            shown = mimetype or "（无）"
            raise InvalidInput(
                f"{PREFIX}Content-Type 应为 application/json，实际为 {shown}",
                f"Content-Type must be application/json, got {mimetype or 'none'}",
                binding=True,
            )
        if not raw.strip():
            raise InvalidInput(f"{PREFIX}请求体为空，应为 JSON 对象", "request body is empty", binding=True)
        try:
            body = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(
                f"{PREFIX}请求体不是合法的 JSON", f"malformed JSON: {exc}", binding=True
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
        if self.validate and not self._validators[operation_id].is_valid(body):
            raise _describe(best_match(self._validators[operation_id].iter_errors(body)))
        return body


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


def _refuse_constant(name: str) -> Any:
    """Python's json reads NaN, Infinity and -Infinity; JSON (RFC 8259) has no such literals."""
    raise ValueError(f"{name} is not a JSON value")


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)
