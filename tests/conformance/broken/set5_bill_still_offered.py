"""SET-5: a settled bill is still offered as unsettled."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import REG_NO, CorrectHis, serve_forever
from tests.support.spec_examples import example_bill

EXPECTED = "SET-5"
EXTRA_ARGS = ["--allow-settlement"]


class StillOffered(CorrectHis):
    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        return example_bill() if reg_no == REG_NO else None


if __name__ == "__main__":
    serve_forever(StillOffered)
