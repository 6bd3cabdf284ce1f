"""SCH-1: FeeCat's list spelled `Items` (the document's table) instead of `items`."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-1"


class CapitalItems(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        for detail in bill["FeeDetail"]:
            for category in detail["FeeCat"]:
                category["Items"] = category.pop("items")
        return bill


if __name__ == "__main__":
    serve_forever(CapitalItems)
