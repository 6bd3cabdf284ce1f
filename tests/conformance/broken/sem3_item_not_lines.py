"""SEM-3: an item's SumPrice is not the sum of its lines (one line repriced, the total kept)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SEM-3"


class ItemNotLines(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        line = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][1]
        line["PerPrice"], line["Price"] = "20.40", "20.4000"
        return bill


if __name__ == "__main__":
    serve_forever(ItemNotLines)
