"""AUTH-2: `password` is optional in the document's table, so a login without one gets a token."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import USER_ID, CorrectHis, serve_forever

EXPECTED = "AUTH-2"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class NoPasswordToken(CorrectHis):
    def password_ok(self, body: dict[str, Any]) -> bool:
        if "password" not in body:
            return bool(body.get("userId") == USER_ID)
        return super().password_ok(body)


if __name__ == "__main__":
    serve_forever(NoPasswordToken)
