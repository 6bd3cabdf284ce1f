"""ENV-2: `status` written as a numeric string ("0"), as the document's table types it."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "ENV-2"


class StatusString(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        document["status"] = str(status)
        return document


if __name__ == "__main__":
    serve_forever(StatusString)
