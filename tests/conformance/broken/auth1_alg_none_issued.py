"""AUTH-1: login issues unsigned `alg: none` tokens (and accepts them)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-1"


class UnsignedTokens(CorrectHis):
    def issue_token(self, user_id: str) -> str:
        return jwt.encode({"sub": user_id, "exp": int(time.time()) + 3600}, None, algorithm="none")

    def decode_token(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, options={"verify_signature": False})


if __name__ == "__main__":
    serve_forever(UnsignedTokens)
