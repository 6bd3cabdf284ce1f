"""INP-1: a number where a string belongs is silently converted and served (status 0)."""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-1"


class CoercesTypes(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and any(isinstance(v, (int, float)) for v in body.values()):
            raw = json.dumps(
                {k: str(v) if isinstance(v, (int, float)) else v for k, v in body.items()}
            ).encode()
        return super().parse(operation_id, raw)


if __name__ == "__main__":
    serve_forever(CoercesTypes)
