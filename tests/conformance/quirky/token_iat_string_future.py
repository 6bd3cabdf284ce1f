"""The login's JWT carries `iat` as a string, 8 hours in the future (a local-time clock, as Blog.Core
deployments issue it; DOMAIN.md): AUTH-1 judges the token's form, not its claims."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.conformance.broken.base import SECRET, CorrectHis, serve_forever

PROFILE = "strict"
ADVICE: set[str] = set()
EIGHT_HOURS = 8 * 3600


class LocalTimeIat(CorrectHis):
    def issue_token(self, user_id: str) -> str:
        now = int(time.time())
        claims = {"sub": user_id, "iss": "blog-core", "iat": str(now + EIGHT_HOURS), "exp": now + 3600}
        return jwt.encode(claims, SECRET, algorithm="HS256")

    def decode_token(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})


if __name__ == "__main__":
    serve_forever(LocalTimeIat)
