"""ASP.NET Core's [ApiController]: invalid input as HTTP 400 `application/problem+json`, and
auth failures as a bare HTTP 401: what the lenient profile accepts (CONTRACT.md, Profiles)."""

from __future__ import annotations

import json

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

PROFILE = "lenient"
ADVICE: set[str] = set()


class ProblemDetails(CorrectHis):
    def invalid_input(self, msg: str) -> Reply:
        problem = {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"$": [msg]},
        }
        return Reply(json.dumps(problem, ensure_ascii=False).encode(), 400, "application/problem+json")

    def auth_error(self, status: int, msg: str) -> Reply:
        return Reply(b"", 401, "text/plain", {"WWW-Authenticate": "Bearer"})


if __name__ == "__main__":
    serve_forever(ProblemDetails)
