"""A lone surrogate escape (`"\\ud800"`) is looked up like any value: status 6 未找到挂号记录.

JSON's syntax allows the escape; the document does not call it invalid input. The server
answers with ASCII-escaped JSON, so it does not crash where the reference would (an HTTP 500
is a failure, see broken/inp1_lone_surrogate_crash.py); status 6 is advice.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "strict"
ADVICE = {"INP-1"}


class SurrogateLookedUp(CorrectHis):
    refuses_lone_surrogates = False

    def reply(self, document: Any, http_status: int = 200) -> Reply:
        return Reply(json.dumps(document, ensure_ascii=True).encode("ascii"), http_status)


if __name__ == "__main__":
    serve_forever(SurrogateLookedUp)
