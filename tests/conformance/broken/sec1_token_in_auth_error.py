"""SEC-1: a refused token is quoted back in msgDev, Authorization header and all (so an answer to
the login token under the wrong scheme carries the token)."""

from __future__ import annotations

import json

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "SEC-1"


class TokenInAuthError(CorrectHis):
    def authenticate(self, authorization: str | None) -> Reply | None:
        refused = super().authenticate(authorization)
        if refused is None:
            return None
        document = json.loads(refused.body)
        document["msgDev"] = f"rejected Authorization: {authorization}"
        return self.reply(document)


if __name__ == "__main__":
    serve_forever(TokenInAuthError)
