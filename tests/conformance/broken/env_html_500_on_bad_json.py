"""ENV-5: malformed JSON crashes into an HTTP 500 HTML error page."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-5"


PAGE = b"<html><body><h1>500 Internal Server Error</h1>Unexpected character at position 0</body></html>"


class Html500(CorrectHis):
    def invalid_input(self, msg: str) -> Reply:
        return Reply(PAGE, 500, "text/html; charset=utf-8")


if __name__ == "__main__":
    serve_forever(Html500)
