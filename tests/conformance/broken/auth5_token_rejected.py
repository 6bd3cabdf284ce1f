"""AUTH-5: the login's own tokens are refused (signed with one key, verified with another)."""

from __future__ import annotations

import time

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-5"


class TokenRejected(CorrectHis):
    def issue_token(self, user_id: str) -> str:
        return jwt.encode(
            {"sub": user_id, "exp": int(time.time()) + 3600}, "another-key-0123456789abcdef", "HS256"
        )


if __name__ == "__main__":
    serve_forever(TokenRejected)
