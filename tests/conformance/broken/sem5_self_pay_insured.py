"""SEM-5: a self-pay (自费) bill with an insurance share."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SEM-5"


class SelfPayInsured(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["FeeType"] = "自费"
        return bill


if __name__ == "__main__":
    serve_forever(SelfPayInsured)
