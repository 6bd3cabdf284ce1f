"""INP-1: a lone surrogate (`"\\ud800"`) is taken as text; echoing it in a message crashes into HTTP 500."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "INP-1"


class LoneSurrogateCrash(CorrectHis):
    refuses_lone_surrogates = False


if __name__ == "__main__":
    serve_forever(LoneSurrogateCrash)
