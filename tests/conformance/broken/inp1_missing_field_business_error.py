"""INP-1: a missing field answers status 6 (business validation) instead of 5."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-1"


class MissingAsBusiness(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, Reply) and b"required" in body.body:
            return self.error(6, "参数不完整")
        return body


if __name__ == "__main__":
    serve_forever(MissingAsBusiness)
