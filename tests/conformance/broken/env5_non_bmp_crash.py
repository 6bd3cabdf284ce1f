"""ENV-5: the columns are MySQL `utf8` (utf8mb3): a character outside the BMP (𠀀, an emoji) is a 500."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-5"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>500: Incorrect string value</h1></body></html>"


def _outside_bmp(value: object) -> bool:
    return isinstance(value, str) and any(ord(char) > 0xFFFF for char in value)


class NonBmpCrash(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, Any] | Reply:
        body = super().parse(operation_id, raw)
        if isinstance(body, dict) and any(_outside_bmp(value) for value in body.values()):
            return Reply(ERROR_PAGE, 500, "text/html; charset=utf-8")
        return body


if __name__ == "__main__":
    serve_forever(NonBmpCrash)
