"""AUTH-6: the signature is checked only when there is one: an HS256 token with an empty signature passes."""

from __future__ import annotations

from typing import Any

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class EmptySignature(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        if token.endswith(".") and jwt.get_unverified_header(token).get("alg") == "HS256":
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
            return claims
        return super().decode_token(token)


if __name__ == "__main__":
    serve_forever(EmptySignature)
