"""INP-3: the settlement requires SERIAL_NO, optional in the document: required fields alone get status 5."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-3"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]


class OptionalFieldRequired(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, dict) and operation_id == "settleByDoctor" and "SERIAL_NO" not in body:
            return self.invalid_input("入参参数错误：缺少 SERIAL_NO")
        return body


if __name__ == "__main__":
    serve_forever(OptionalFieldRequired)
