"""ENV-4: `msgDev` is an object (a serialised exception) instead of a string or null."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-4"


class MsgDevObject(CorrectHis):
    def error(self, status: int, msg: str) -> Reply:
        document = self.envelope(status, msg)
        document["msgDev"] = {"exception": "System.Exception", "stackTrace": "at HisCore.Api"}
        return self.reply(document)


if __name__ == "__main__":
    serve_forever(MsgDevObject)
