"""Hints for a reader of a failed run: answers that look like a stock ASP.NET Core deployment.

Blog.Core-style deployments (DOMAIN.md) answer auth failures with a bare HTTP 401, invalid
input with a 400 ProblemDetails and caught exceptions with a text/plain envelope. Under a
profile that accepts none of these, each is a finding; the hint says where they come from and
that `--profile lenient` reads them as CONTRACT.md's lenient profile does.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.answer import Answer
from conformance.http import Exchange
from conformance.profiles import Profile


@dataclass(slots=True)
class AspNetSigns:
    """Counts of the answers typical of ASP.NET Core defaults seen during a run."""

    http_401: int = 0
    problem_details: int = 0
    text_plain_envelopes: int = 0

    def observe(self, exchange: Exchange, answer: Answer) -> None:
        response = exchange.response
        if response is None:
            return
        if response.status == 401 and answer.envelope is None:  # a 401 with an envelope keeps the contract
            self.http_401 += 1
        if response.media_type == "application/problem+json":
            self.problem_details += 1
        if answer.envelope is not None and response.media_type == "text/plain":
            self.text_plain_envelopes += 1

    def hint(self, profile: Profile) -> str | None:
        """The hint, when signs were seen that `profile` does not accept; None otherwise."""
        seen = [
            (self.http_401, "bare HTTP 401 answer(s)", profile.accepts_http_401_auth_failure),
            (self.problem_details, "ProblemDetails answer(s)", profile.accepts_problem_json_invalid_input),
            (self.text_plain_envelopes, "text/plain envelope(s)", profile.accepts_text_plain_error_envelope),
        ]
        signs = [f"{count} {what}" for count, what, accepted in seen if count and not accepted]
        if not signs:
            return None
        return f"this looks like ASP.NET Core defaults ({', '.join(signs)}); see --profile lenient"
