"""ENV-1: the envelope leaves out `msgDev` instead of sending null."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "ENV-1"


class NoMsgDev(CorrectHis):
    def envelope(
        self, status: int, msg: str, response: Any = None, msg_dev: str | None = None
    ) -> dict[str, Any]:
        document = super().envelope(status, msg, response, msg_dev)
        del document["msgDev"]
        return document


if __name__ == "__main__":
    serve_forever(NoMsgDev)
