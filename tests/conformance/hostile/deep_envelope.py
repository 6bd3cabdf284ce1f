"""ENV-1 and SEM-5: error envelopes carry a 600-deep array in msgDev; the bill breaks SEM-5 too.

The deep answers are a finding (over-deep), never a crash; the real finding on the bill is
still reported, in every format.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1", "SEM-5")
EXIT = 1
DEADLINE = 30.0


class DeepEnvelope(CorrectHis):
    def error(self, status: int, msg: str) -> Reply:
        document = self.envelope(status, msg, None, None)
        text = json.dumps(document, ensure_ascii=False)
        deep = "[" * 600 + '"' + msg + '"' + "]" * 600
        return Reply(text.replace('"msgDev": null', f'"msgDev": {deep}').encode("utf-8"))

    def present_bill(self, bill: dict[str, Any]) -> dict[str, Any]:
        bill["FeeType"] = "自费"  # self-pay, yet an insured share: SEM-5
        return bill


if __name__ == "__main__":
    serve_forever(DeepEnvelope)
