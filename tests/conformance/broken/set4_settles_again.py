"""SET-4: a settled bill is settled again under a new SerialNumber."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, Settlement, serve_forever
from tests.support.spec_examples import example_bill

EXPECTED = "SET-4"
EXTRA_ARGS = ["--allow-settlement"]


class SettlesAgain(CorrectHis):
    def settled_again(self, body: dict[str, Any], done: Settlement) -> Reply:
        return self.ok(self.receipt(body, example_bill()))


if __name__ == "__main__":
    serve_forever(SettlesAgain)
