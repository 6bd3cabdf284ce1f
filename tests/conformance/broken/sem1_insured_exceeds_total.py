"""SEM-1: the insurance share (SBZFJE) exceeds the total."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SEM-1"


class InsuredExceeds(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["SBZFJE"] = "150.00"
        return bill


if __name__ == "__main__":
    serve_forever(InsuredExceeds)
