"""ENV-1: a legacy Windows HIS writes its envelopes in GBK while the header says charset=utf-8.

Clients show mojibake or fail to parse (DOMAIN.md). The login's answer is such an envelope too:
that is a finding about the deployment (exit 1), not "no HIS API at this URL" (exit 2).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class GbkUnderUtf8(CorrectHis):
    def reply(self, document: Any, http_status: int = 200) -> Reply:
        return Reply(json.dumps(document, ensure_ascii=False).encode("gbk", errors="replace"), http_status)


if __name__ == "__main__":
    serve_forever(GbkUnderUtf8)
