"""ENV-1: the bill answers 307 to SettleByDoctor. The suite follows no redirect (a 307 keeps the
POST and its body), so nothing is settled; the server logs any settlement request it gets."""

from __future__ import annotations

from tests.conformance.broken.base import SETTLE_PATH, CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0
SETTLEMENT_SEEN = "SETTLEMENT REQUEST RECEIVED"


class Redirect(CorrectHis):
    def get_bill(self, raw: bytes, authorization: str | None) -> Reply:
        return Reply(b"", 307, "text/html", {"Location": SETTLE_PATH})

    def settle(self, raw: bytes, authorization: str | None) -> Reply:
        print(SETTLEMENT_SEEN, flush=True)
        return super().settle(raw, authorization)


if __name__ == "__main__":
    serve_forever(Redirect)
