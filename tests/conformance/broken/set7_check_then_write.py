"""SET-7: no lock: "is it settled?" and "record it" are two steps with a database round-trip between."""

from __future__ import annotations

import time
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "SET-7"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]
# The time the receipt's queries take: long enough for concurrent calls to pass the check together.
DATABASE_ROUND_TRIP = 0.05


class CheckThenWrite(CorrectHis):
    def settle(self, raw: bytes, authorization: str | None) -> Reply:
        refused = self.authenticate(authorization)
        if refused is not None:
            return refused
        body = self.parse("settleByDoctor", raw)
        if isinstance(body, Reply):
            return body
        return self.settle_locked(body)  # without the lock

    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        time.sleep(DATABASE_ROUND_TRIP)
        return super().receipt(body, bill)


if __name__ == "__main__":
    serve_forever(CheckThenWrite)
