"""ENV-3: `isSuccess` is true even on errors."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "ENV-3"


class AlwaysSuccess(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        document["isSuccess"] = True
        return document


if __name__ == "__main__":
    serve_forever(AlwaysSuccess)
