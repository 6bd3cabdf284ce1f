"""ENV-5: every string lands in a VARCHAR(50) column; a longer one crashes into an HTML 500."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-5"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
COLUMN_WIDTH = 50
ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>500: Data too long for column</h1></body></html>"


class LongStringCrash(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, dict) and any(
            isinstance(v, str) and len(v) > COLUMN_WIDTH for v in body.values()
        ):
            return Reply(ERROR_PAGE, 500, "text/html; charset=utf-8")
        return body


if __name__ == "__main__":
    serve_forever(LongStringCrash)
