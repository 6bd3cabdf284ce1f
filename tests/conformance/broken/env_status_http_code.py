"""ENV-2: errors carry HTTP-style codes (401, 400) that are not in the catalogue."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "ENV-2"


HTTP_STYLE = {1: 401, 3: 401, 5: 400, 6: 400}


class HttpCodes(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        document["status"] = HTTP_STYLE.get(status, status)
        return document


if __name__ == "__main__":
    serve_forever(HttpCodes)
