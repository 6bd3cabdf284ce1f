"""Auth failures come as HTTP 401 carrying the envelope (status 1 / 3): ENV-1 leaves HTTP status out."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()


class Http401Envelope(CorrectHis):
    def auth_error(self, status: int, msg: str) -> Reply:
        reply = super().auth_error(status, msg)
        reply.http_status = 401
        reply.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return reply


if __name__ == "__main__":
    serve_forever(Http401Envelope)
