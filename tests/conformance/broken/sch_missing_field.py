"""SCH-1: the bill leaves out a documented field (DoctName)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-1"


class MissingField(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        del bill["DoctName"]
        return bill


if __name__ == "__main__":
    serve_forever(MissingField)
