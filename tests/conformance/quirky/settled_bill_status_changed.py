"""After settlement the bill is still returned, with BILLSTATUS changed (TB 待缴 -> YJ 已缴).

SET-5 accepts a non-zero status, another BILLID, or a changed BILLSTATUS: the client sees
that the bill is paid.
"""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import REG_NO, CorrectHis, serve_forever
from tests.support.spec_examples import example_bill

PROFILE = "strict"
ADVICE: set[str] = set()


class StatusChanged(CorrectHis):
    def unsettled_bill(self, reg_no: str) -> dict[str, Any] | None:
        if reg_no != REG_NO:
            return None
        bill = example_bill()
        if bill["BILLID"] in self.settlements:
            bill["BILLSTATUS"] = "YJ"
        return bill


if __name__ == "__main__":
    serve_forever(StatusChanged)
