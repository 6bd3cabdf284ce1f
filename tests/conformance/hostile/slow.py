"""--max-time: every answer takes 0.4 s (within --timeout); the run's own deadline stops it early."""

from __future__ import annotations

import time

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED: tuple[str, ...] = ()
EXIT = 0
DEADLINE = 20.0
EXTRA_ARGS = ["--max-time", "3"]
NOTE = "time limit (--max-time)"


class Slow(CorrectHis):
    def dispatch(self, path: str, raw: bytes, authorization: str | None) -> Reply:
        time.sleep(0.4)
        return super().dispatch(path, raw, authorization)


if __name__ == "__main__":
    serve_forever(Slow)
