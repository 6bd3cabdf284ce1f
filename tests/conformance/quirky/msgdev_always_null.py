"""`msgDev` is null on every answer, errors included (ENV-4: a string or null)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class MsgDevNull(CorrectHis):
    def error(self, status: int, msg: str) -> Reply:
        return self.reply(self.envelope(status, msg, None, None))


if __name__ == "__main__":
    serve_forever(MsgDevNull)
