"""SCH-2: totals written with three decimals (136.400)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-2"


class ThreeDecimals(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["SumFund"] = bill["SumFund"] + "0"
        return bill


if __name__ == "__main__":
    serve_forever(ThreeDecimals)
