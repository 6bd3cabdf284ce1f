"""AUTH-2: an empty password skips the comparison (`if password and password != stored`)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import USER_ID, CorrectHis, serve_forever

EXPECTED = "AUTH-2"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class EmptyPassword(CorrectHis):
    def password_ok(self, body: dict[str, Any]) -> bool:
        password = body.get("password")
        if password == "":
            return bool(body.get("userId") == USER_ID)
        return super().password_ok(body)


if __name__ == "__main__":
    serve_forever(EmptyPassword)
