"""AUTH-4: expired tokens are still accepted (exp never checked)."""

from __future__ import annotations

from typing import Any

import jwt

from tests.conformance.broken.base import SECRET, CorrectHis, serve_forever

EXPECTED = "AUTH-4"


class ExpiredAccepted(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})


if __name__ == "__main__":
    serve_forever(ExpiredAccepted)
