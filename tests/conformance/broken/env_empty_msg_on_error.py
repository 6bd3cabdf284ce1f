"""ENV-4: error envelopes with an empty `msg`."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-4"


class EmptyMsg(CorrectHis):
    def error(self, status: int, msg: str) -> Reply:
        return self.reply(self.envelope(status, "", None, msg))


if __name__ == "__main__":
    serve_forever(EmptyMsg)
