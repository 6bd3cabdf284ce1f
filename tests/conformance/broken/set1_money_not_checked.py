"""SET-1: Money is never compared with GRZFJE3: a wrong amount settles the bill."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SET-1"
EXTRA_ARGS = ["--allow-settlement"]


class MoneyNotChecked(CorrectHis):
    def money_ok(self, body: dict[str, Any], bill: dict[str, Any]) -> bool:
        return True


if __name__ == "__main__":
    serve_forever(MoneyNotChecked)
