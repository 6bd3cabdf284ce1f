"""INP-2: RegNo is cut to its column's 10 characters before the lookup (MySQL without strict mode)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "INP-2"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
REG_NO_COLUMN = 10


class TruncatesToColumn(CorrectHis):
    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        return super().unsettled_bill(reg_no[:REG_NO_COLUMN])


if __name__ == "__main__":
    serve_forever(TruncatesToColumn)
