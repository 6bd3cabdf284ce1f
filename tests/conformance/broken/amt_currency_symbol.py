"""SCH-2: an item total written with a currency sign (¥56.40)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-2"


class CurrencySign(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        item = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]
        item["SumPrice"] = "¥" + item["SumPrice"]
        return bill


if __name__ == "__main__":
    serve_forever(CurrencySign)
