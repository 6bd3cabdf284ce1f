"""A 3,000-character value is looked up like any value: status 6 (unknown registration, wrong password).

Nothing in the document bounds a field's length: status 6 is correct, INP-1 advises 5.
"""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE = {"INP-1"}


class LongStringsLookedUp(CorrectHis):
    refuses_long_strings = False


if __name__ == "__main__":
    serve_forever(LongStringsLookedUp)
