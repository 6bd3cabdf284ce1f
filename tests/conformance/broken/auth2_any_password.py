"""AUTH-2: any password logs the user in."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-2"


class AnyPassword(CorrectHis):
    def password_ok(self, body: dict[str, Any]) -> bool:
        return bool(body.get("userId"))


if __name__ == "__main__":
    serve_forever(AnyPassword)
