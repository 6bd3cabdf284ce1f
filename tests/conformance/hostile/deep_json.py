"""ENV-1: the bill is 100,000 `[` (a recursion bomb for a recursive JSON decoder)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0


class DeepJson(CorrectHis):
    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        return Reply(b"[" * 100_000)


if __name__ == "__main__":
    serve_forever(DeepJson)
