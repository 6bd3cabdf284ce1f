"""The two judging profiles of CONTRACT.md: `strict` (the document) and `lenient` (stock ASP.NET Core).

A profile is data: each flag names one deviation the lenient profile accepts, so a rule reads
`if profile.accepts_http_401_auth_failure: ...` and the difference between the profiles is
visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.errors import UsageError
from his_contract import Basis, Rule


@dataclass(slots=True, frozen=True)
class Profile:
    """What a run accepts beyond the letter of the document."""

    name: str
    # An auth failure answered as HTTP 401, with or without an envelope (ASP.NET Core's JwtBearer).
    accepts_http_401_auth_failure: bool = False
    # Invalid input answered as HTTP 400 application/problem+json ([ApiController] ProblemDetails).
    accepts_problem_json_invalid_input: bool = False
    # Error envelopes served as text/plain (Blog.Core's GlobalExceptionFilter).
    accepts_text_plain_error_envelope: bool = False
    # `status` written as a numeric string ("0") instead of an integer.
    accepts_numeric_string_status: bool = False
    # FeeCat's child list spelled `Items` (the document's table) instead of `items` (its example).
    accepts_capitalised_items: bool = False
    # Rule groups whose findings are only advice in this profile (lenient: the bill arithmetic,
    # SEM-1..5, is reported but does not fail the run).
    advice_groups: frozenset[str] = frozenset()

    def basis_for(self, rule: Rule, basis: Basis) -> Basis:
        """The basis of a finding of `rule` under this profile: the one place a profile demotes one."""
        return Basis.ADVICE if rule.group in self.advice_groups else basis


STRICT = Profile(name="strict")
LENIENT = Profile(
    name="lenient",
    accepts_http_401_auth_failure=True,
    accepts_problem_json_invalid_input=True,
    accepts_text_plain_error_envelope=True,
    accepts_numeric_string_status=True,
    accepts_capitalised_items=True,
    advice_groups=frozenset({"semantics"}),
)
PROFILES = {profile.name: profile for profile in (STRICT, LENIENT)}


def get_profile(name: str) -> Profile:
    """The profile called `name`, or a `UsageError` listing the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"unknown profile {name!r}: choose one of {', '.join(PROFILES)}") from None
