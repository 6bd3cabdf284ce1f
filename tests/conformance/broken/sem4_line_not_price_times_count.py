"""SEM-4: a line's PerPrice is not Price * PerItemCount."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SEM-4"


class LineNotPrice(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        line = bill["FeeDetail"][0]["FeeCat"][0]["items"][0]["PerItem"][0]
        line["PerItemCount"] = "3"
        return bill


if __name__ == "__main__":
    serve_forever(LineNotPrice)
