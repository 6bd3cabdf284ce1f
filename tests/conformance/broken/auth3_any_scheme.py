"""AUTH-3: the token is accepted under any scheme (`Token x`), the scheme never checked."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "AUTH-3"


class AnyScheme(CorrectHis):
    def authenticate(self, authorization: str | None) -> Reply | None:
        if authorization and " " in authorization:
            authorization = "Bearer " + authorization.split(" ", 1)[1]
        return super().authenticate(authorization)


if __name__ == "__main__":
    serve_forever(AnyScheme)
