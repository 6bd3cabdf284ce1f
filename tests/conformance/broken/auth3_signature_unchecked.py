"""AUTH-3: the signature is never verified, so a tampered payload is accepted."""

from __future__ import annotations

from typing import Any

import jwt

from tests.conformance.broken.base import SECRET, CorrectHis, serve_forever

EXPECTED = "AUTH-3"


class SignatureUnchecked(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_signature": False})


if __name__ == "__main__":
    serve_forever(SignatureUnchecked)
