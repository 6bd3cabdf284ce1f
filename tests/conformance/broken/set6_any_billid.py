"""SET-6: BILLID is never compared with the registration's unsettled bill: any BILLID settles it."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SET-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]


class AnyBillId(CorrectHis):
    def bill_id_ok(self, body: dict[str, Any], bill: dict[str, Any]) -> bool:
        return True


if __name__ == "__main__":
    serve_forever(AnyBillId)
