"""ENV-1: the bill comes with megabytes of padding (a debug dump in the response)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "ENV-1"


class HugeBody(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["Remark"] = "x" * (6 * 1024 * 1024)
        return bill


if __name__ == "__main__":
    serve_forever(HugeBody)
