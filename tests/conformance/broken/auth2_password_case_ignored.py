"""AUTH-2: the password is compared without regard to letter case (a case-insensitive column collation)."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import USER_ID, CorrectHis, serve_forever

EXPECTED = "AUTH-2"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class PasswordCaseIgnored(CorrectHis):
    def password_ok(self, body: dict[str, Any]) -> bool:
        password = body.get("password")
        return (
            body.get("userId") == USER_ID
            and isinstance(password, str)
            and password.casefold() == self.password.casefold()
        )


if __name__ == "__main__":
    serve_forever(PasswordCaseIgnored)
