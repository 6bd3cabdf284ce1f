"""ENV-1: success envelopes served as text/html instead of application/json."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class TextHtml(CorrectHis):
    def ok(self, response: Any) -> Reply:
        reply = super().ok(response)
        reply.content_type = "text/html; charset=utf-8"
        return reply


if __name__ == "__main__":
    serve_forever(TextHtml)
