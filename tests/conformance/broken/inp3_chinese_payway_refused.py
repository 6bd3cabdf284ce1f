"""INP-3: the settlement refuses a PayWay that is not ASCII (the kiosk's 微信支付) with status 5."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-3"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]


class ChinesePayWayRefused(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, dict) and operation_id == "settleByDoctor" and not body["PayWay"].isascii():
            return self.invalid_input("入参参数错误：PayWay 只能是字母或数字")
        return body


if __name__ == "__main__":
    serve_forever(ChinesePayWayRefused)
