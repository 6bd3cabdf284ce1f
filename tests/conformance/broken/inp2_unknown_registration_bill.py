"""INP-2: any registration number gets the demo bill."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import REG_NO, CorrectHis, serve_forever

EXPECTED = "INP-2"


class AnyRegistration(CorrectHis):
    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        return super().unsettled_bill(REG_NO)


if __name__ == "__main__":
    serve_forever(AnyRegistration)
