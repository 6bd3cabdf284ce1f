"""TokenService in process, on a clock the test moves (no sleeps): expiry while in use (AUTH-4),
the verified-token cache, and the Authorization header's blanks."""

from __future__ import annotations

import jwt
import pytest

from mock_server.auth import ISSUER, TokenService
from mock_server.errors import TokenExpired, TokenInvalid

SECRET = "s" * 32


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(clock: Clock) -> TokenService:
    return TokenService(SECRET, ttl=60, now=clock)


def test_a_token_expires_while_in_use(tokens: TokenService, clock: Clock) -> None:
    token = tokens.issue("demo")
    assert tokens.verify(f"Bearer {token}").user_id == "demo"  # now cached
    clock.now += 59
    assert tokens.verify(f"Bearer {token}").expires_at == int(clock.now) + 1
    clock.now += 1  # expired once now >= exp, cached or not
    with pytest.raises(TokenExpired):
        tokens.verify(f"Bearer {token}")
    with pytest.raises(TokenExpired):
        TokenService(SECRET, ttl=60, now=clock).verify(f"Bearer {token}")


def test_issue_uses_the_clock(tokens: TokenService, clock: Clock) -> None:
    claims = jwt.decode(
        tokens.issue("demo", ttl=-5),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    # jti: two logins within one second get two tokens (a scenario expires one, not the other).
    jti = claims.pop("jti")
    assert isinstance(jti, str) and len(jti) == 16
    assert claims == {"sub": "demo", "iss": ISSUER, "iat": int(clock.now), "exp": int(clock.now) - 5}


@pytest.mark.parametrize("header", ["Bearer {t}", "Bearer {t} ", " Bearer {t}", "Bearer {t}\t"])
def test_blanks_around_the_value_are_not_part_of_it(tokens: TokenService, header: str) -> None:
    assert tokens.verify(header.format(t=tokens.issue("demo"))).user_id == "demo"


@pytest.mark.parametrize(
    "header", [None, "", "   ", "Bearer", "Bearer ", "Bearer  {t}", "bearer {t}", "Bearer {t} x"]
)
def test_malformed_headers_are_status_1(tokens: TokenService, header: str | None) -> None:
    with pytest.raises(TokenInvalid):
        tokens.verify(None if header is None else header.format(t=tokens.issue("demo")))


def test_a_string_exp_is_refused(tokens: TokenService, clock: Clock) -> None:
    forged = jwt.encode(
        {"sub": "demo", "iss": ISSUER, "exp": str(int(clock.now) + 60)}, SECRET, algorithm="HS256"
    )
    with pytest.raises(TokenInvalid):
        tokens.verify(f"Bearer {forged}")
