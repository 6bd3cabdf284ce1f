"""AUTH-3: a request without Authorization header is served anyway (auth middleware missing)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "AUTH-3"


class NoTokenAccepted(CorrectHis):
    def authenticate(self, authorization: str | None) -> Reply | None:
        if authorization is None:
            return None
        return super().authenticate(authorization)


if __name__ == "__main__":
    serve_forever(NoTokenAccepted)
