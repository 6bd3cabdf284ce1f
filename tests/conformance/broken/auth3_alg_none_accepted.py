"""AUTH-3: an `alg: none` token is accepted (the algorithm taken from the token's header)."""

from __future__ import annotations

from typing import Any

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-3"


class AlgNoneAccepted(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        if jwt.get_unverified_header(token).get("alg") == "none":
            return jwt.decode(token, options={"verify_signature": False})
        return super().decode_token(token)


if __name__ == "__main__":
    serve_forever(AlgNoneAccepted)
