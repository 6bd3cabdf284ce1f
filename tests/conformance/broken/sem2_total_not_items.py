"""SEM-2: SumFund is not the sum of the items (the registration fee is left out of the items)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SEM-2"


class TotalNotItems(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["SumFund"] = "146.40"
        return bill


if __name__ == "__main__":
    serve_forever(TotalNotItems)
