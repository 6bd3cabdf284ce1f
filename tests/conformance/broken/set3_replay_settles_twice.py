"""SET-3: replaying the same payment notification creates a second settlement."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, Settlement, serve_forever
from tests.support.spec_examples import example_bill

EXPECTED = "SET-3"
EXTRA_ARGS = ["--allow-settlement"]


class ReplaySettlesTwice(CorrectHis):
    def settled_again(self, body: dict[str, Any], done: Settlement) -> Reply:
        if body["SerialNumber"] == done.serial_number:
            return self.ok(self.receipt(body, example_bill()))
        return super().settled_again(body, done)


if __name__ == "__main__":
    serve_forever(ReplaySettlesTwice)
