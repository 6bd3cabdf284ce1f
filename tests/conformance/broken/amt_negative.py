"""SCH-2: a refund line with a negative PerPrice."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-2"


class NegativeAmount(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        line = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][0]
        line["PerPrice"] = "-" + line["PerPrice"]
        return bill


if __name__ == "__main__":
    serve_forever(NegativeAmount)
