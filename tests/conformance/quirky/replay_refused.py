"""The identical replay of a settlement is answered status 6 重复的支付通知, not with the first receipt.

SET-3 allows either: the same CheckOutNo, or a non-zero status. Nothing is settled twice.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, Settlement, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class ReplayRefused(CorrectHis):
    def settled_again(self, body: dict[str, Any], done: Settlement) -> Reply:
        if body["SerialNumber"] == done.serial_number:
            return self.error(6, "重复的支付通知：该流水号已结算")
        return super().settled_again(body, done)


if __name__ == "__main__":
    serve_forever(ReplayRefused)
