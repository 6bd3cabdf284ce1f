"""SET-7: two worker processes share settlements through a file; each one's lock guards only itself."""

from __future__ import annotations

import json
import os
import tempfile
import time
from typing import Any

from tests.conformance.broken.base import CorrectHis, Settlement, serve_forever

EXPECTED = "SET-7"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]
DATABASE_ROUND_TRIP = 0.05
WORKER_BUSY = 0.01


class TwoWorkers(CorrectHis):
    workers = 2

    def __init__(self) -> None:
        super().__init__()
        # Opened before the fork, both workers read and write the same (already unlinked) file.
        self.store, name = tempfile.mkstemp(prefix="set7-two-workers-", suffix=".json")
        os.unlink(name)

    def _load(self) -> dict[str, Any]:
        data = os.pread(self.store, 1 << 20, 0)
        stored: dict[str, Any] = json.loads(data) if data else {}
        return stored

    def settled(self, bill_id: str) -> Settlement | None:
        found = self._load().get(bill_id)
        return Settlement(found["serial_number"], found["receipt"]) if found else None

    def record_settlement(self, bill_id: str, settlement: Settlement) -> None:
        stored = self._load()
        stored[bill_id] = {"serial_number": settlement.serial_number, "receipt": settlement.receipt}
        data = json.dumps(stored, ensure_ascii=False).encode("utf-8")
        os.ftruncate(self.store, 0)
        os.pwrite(self.store, data, 0)

    def accepted(self) -> None:
        # A worker busy with the request it took leaves the next connection to the other worker,
        # as a pre-fork server's workers do: the simultaneous settlements reach both.
        time.sleep(WORKER_BUSY)

    def receipt(self, body: dict[str, Any], bill: dict[str, Any]) -> dict[str, Any]:
        time.sleep(DATABASE_ROUND_TRIP)
        return super().receipt(body, bill)


if __name__ == "__main__":
    serve_forever(TwoWorkers)
