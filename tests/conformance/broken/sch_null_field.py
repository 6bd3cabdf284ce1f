"""SCH-1: `SERIAL_NO` sent as null for a self-paying patient."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SCH-1"


class NullField(CorrectHis):
    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["SERIAL_NO"] = None
        return bill


if __name__ == "__main__":
    serve_forever(NullField)
