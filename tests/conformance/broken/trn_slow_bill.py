"""TRN-1: the bill takes longer than the timeout (a slow HIS database)."""

from __future__ import annotations

import time

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "TRN-1"
EXTRA_ARGS = ["--timeout", "1"]


class SlowBill(CorrectHis):
    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        time.sleep(3)
        return super().get_bill(raw, authorization)


if __name__ == "__main__":
    serve_forever(SlowBill)
