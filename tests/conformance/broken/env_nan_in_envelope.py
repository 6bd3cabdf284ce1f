"""ENV-1: the envelope carries a bare NaN (what .NET's and Python's lenient serialisers can write).

`NaN` is no JSON (RFC 8259): strict clients fail to parse every answer, the login's included.
A finding about the deployment (exit 1), not "no HIS API at this URL" (exit 2).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class NanInEnvelope(CorrectHis):
    def reply(self, document: Any, http_status: int = 200) -> Reply:
        if isinstance(document, dict):
            document = {**document, "elapsed": float("nan")}  # an undocumented timing, never measured
        return Reply(json.dumps(document, ensure_ascii=False).encode("utf-8"), http_status)


if __name__ == "__main__":
    serve_forever(NanInEnvelope)
