"""ENV-1: the bill operation answers a bare text `OK` instead of an envelope."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class PlainText(CorrectHis):
    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        return Reply(b"OK", 200, "text/plain")


if __name__ == "__main__":
    serve_forever(PlainText)
