"""`Content-Type: application/json` without a charset: JSON is UTF-8 by definition (RFC 8259 8.1)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class NoCharset(CorrectHis):
    def reply(self, document: object, http_status: int = 200) -> Reply:
        reply = super().reply(document, http_status)
        reply.content_type = "application/json"
        return reply


if __name__ == "__main__":
    serve_forever(NoCharset)
