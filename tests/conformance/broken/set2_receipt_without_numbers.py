"""SET-2: the receipt has no CheckOutNo (HIS结算单号) and the wrong card."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SET-2"
EXTRA_ARGS = ["--allow-settlement"]


class ReceiptWithoutNumbers(CorrectHis):
    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        receipt = super().receipt(body, bill)
        receipt["CheckOutNo"] = ""
        receipt["CardNo"] = "C999999999"
        return receipt


if __name__ == "__main__":
    serve_forever(ReceiptWithoutNumbers)
