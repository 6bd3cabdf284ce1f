"""SEC-1: invalid input is answered with the request body as a JSON string inside msgDev (so the
probe password arrives JSON-escaped, nested in a JSON string)."""

from __future__ import annotations

import json

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "SEC-1"


class RequestInNestedJson(CorrectHis):
    def parse(self, operation_id: str, raw: bytes) -> dict[str, object] | Reply:
        parsed = super().parse(operation_id, raw)
        if isinstance(parsed, Reply):
            document = json.loads(parsed.body)
            document["msgDev"] = json.dumps({"request": raw.decode("utf-8", errors="replace")})
            return self.reply(document)
        return parsed


if __name__ == "__main__":
    serve_forever(RequestInNestedJson)
