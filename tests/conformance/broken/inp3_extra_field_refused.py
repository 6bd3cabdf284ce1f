"""INP-3: any field the document does not list is refused with status 5 (additionalProperties: false)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-3"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class ExtraFieldRefused(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, Reply):
            return body
        documented = self.spec.request_validator(operation_id).schema.get("properties", {})
        unknown = sorted(name for name in body if name not in documented)
        if unknown:
            return self.invalid_input(f"入参参数错误：未知字段 {', '.join(unknown)}")
        return body


if __name__ == "__main__":
    serve_forever(ExtraFieldRefused)
