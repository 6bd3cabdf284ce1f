"""SCH-2: the patient's share sent as a JSON number (40.92), not a decimal string."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-2"


class AmountNumber(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["GRZFJE3"] = float(bill["GRZFJE3"])
        return bill


if __name__ == "__main__":
    serve_forever(AmountNumber)
