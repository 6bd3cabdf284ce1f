"""Settlements are serialised behind one lock and take 0.5 s each, as a HIS that locks the bill row does.

That is a right answer to SET-7 (concurrent settlements): the suite's race of `--race` requests
then queues, and the last racer waits for all the others. Its wait is the server keeping the
rule, not breaking TRN-1: each racer's deadline is the timeout once per racer.
"""

from __future__ import annotations

import time
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()
# The race's queue (8 x 0.5 s) is longer than one timeout (3 s): the reason this server exists.
SETTLE_SECONDS = 0.5


class SettlementsOneAtATime(CorrectHis):
    def settle_locked(self, body: dict[str, Any]) -> Reply:
        time.sleep(SETTLE_SECONDS)  # the bill's row lock held while the HIS books the payment
        return super().settle_locked(body)


if __name__ == "__main__":
    serve_forever(SettlementsOneAtATime)
