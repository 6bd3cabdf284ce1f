"""`Content-Type: application/json;charset=UTF-8` and `Application/JSON; Charset=Utf-8`: media types
and their parameters are case-insensitive (RFC 9110 8.3.1), so both are application/json."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class CharsetAnyCase(CorrectHis):
    def ok(self, response: object) -> Reply:
        reply = super().ok(response)
        reply.content_type = "application/json;charset=UTF-8"
        return reply

    def error(self, status: int, msg: str) -> Reply:
        reply = super().error(status, msg)
        reply.content_type = "Application/JSON; Charset=Utf-8"
        return reply


if __name__ == "__main__":
    serve_forever(CharsetAnyCase)
