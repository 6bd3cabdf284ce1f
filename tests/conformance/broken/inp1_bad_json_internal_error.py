"""INP-1: malformed JSON answers status 2 (His内部错误) instead of 5."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-1"


class BadJsonInternal(CorrectHis):
    def invalid_input(self, msg: str) -> Reply:
        return self.error(2, "His内部错误：" + msg)


if __name__ == "__main__":
    serve_forever(BadJsonInternal)
