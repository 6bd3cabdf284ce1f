"""A unit Price with 4 decimals whose line total is rounded: 6.4667 x 3 = 19.4001 -> PerPrice "19.40".

CONTRACT.md: unit `Price` up to 4 decimals; SEM-4 holds within 0.01.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class FourDecimalPrice(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill = super().present_bill(bill)
        line = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][1]
        assert line["PerPrice"] == "19.40", line  # the spec's example: 布洛芬缓释胶囊 x 1 at 19.4000
        line["Price"], line["PerItemCount"] = "6.4667", "3"
        return bill


if __name__ == "__main__":
    serve_forever(FourDecimalPrice)
