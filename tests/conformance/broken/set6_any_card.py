"""SET-6: the card is never compared with the registration's: another patient's card pays this bill."""

from __future__ import annotations

from typing import Any

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "SET-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
EXTRA_ARGS = ["--allow-settlement"]


class AnyCard(CorrectHis):
    def card_ok(self, body: dict[str, Any]) -> bool:
        return True


if __name__ == "__main__":
    serve_forever(AnyCard)
