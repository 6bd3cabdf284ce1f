"""SCH-1: `FeeDetail` is a single object instead of a list."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-1"


class FeeDetailObject(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["FeeDetail"] = bill["FeeDetail"][0]
        return bill


if __name__ == "__main__":
    serve_forever(FeeDetailObject)
