"""SCH-1: `Age` sent as a JSON number, not a string."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-1"


class AgeNumber(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["Age"] = 45
        return bill


if __name__ == "__main__":
    serve_forever(AgeNumber)
