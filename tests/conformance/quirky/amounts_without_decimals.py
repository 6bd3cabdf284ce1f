"""Amounts written without needless decimals: "12", "136.4", "80" (a decimal string, CONTRACT.md).

The amount pattern is `^\\d+(\\.\\d{1,2})?$`: "12" keeps it. The server compares Money as a decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()
AMOUNTS = ("SumFund", "SBZFJE", "GRZFJE3", "SumPrice", "PerPrice")


def shortest(text: str) -> str:
    """The shortest decimal spelling of an amount: "80.00" -> "80", "136.40" -> "136.4"."""
    return format(Decimal(text).normalize(), "f")


def shorten(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: shortest(v) if k in AMOUNTS and isinstance(v, str) else shorten(v) for k, v in node.items()
        }
    if isinstance(node, list):
        return [shorten(item) for item in node]
    return node


class ShortAmounts(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        shortened: dict[str, Any] = shorten(super().present_bill(bill))
        return shortened

    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        receipt: dict[str, Any] = shorten(super().receipt(body, bill))
        return receipt


if __name__ == "__main__":
    serve_forever(ShortAmounts)
