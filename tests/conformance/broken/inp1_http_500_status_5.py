"""INP-1: invalid input answers HTTP 500 with a well-formed envelope of status 5 (right code, wrong HTTP)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "INP-1"


class Http500Status5(CorrectHis):
    def invalid_input(self, msg: str) -> Reply:
        reply = self.error(5, msg)
        reply.http_status = 500
        return reply


if __name__ == "__main__":
    serve_forever(Http500Status5)
