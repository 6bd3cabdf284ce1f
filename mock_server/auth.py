"""JWTs as the HIS issues them (HS256, PyJWT), and the checks of AUTH-3 / AUTH-4 on protected calls."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from mock_server.errors import TokenExpired, TokenInvalid

ISSUER = "his-mock"
ALGORITHM = "HS256"
# Tokens already verified, up to this many: clients send the same token on every call.
_CACHE_SIZE = 4096
# A stock ASP.NET Core deployment writes `iat` from local time (UTC+8) as a string: 8 hours ahead.
ASPNET_IAT_SKEW = 8 * 3600


@dataclass(slots=True, frozen=True)
class Claims:
    """The verified claims of a bearer token."""

    user_id: str
    expires_at: int


class TokenService:
    """Issues and verifies the mock's bearer tokens."""

    def __init__(self, secret: str, *, ttl: int, string_iat_skew: int | None = None) -> None:
        self._secret = secret
        self.ttl = ttl
        # None: `iat` is an integer, now (the document). A number: a string `iat` that far ahead (aspnet).
        self._string_iat_skew = string_iat_skew
        # A token's signature and claims never change; only time can expire it. Verified tokens are
        # remembered (expiry re-checked on every call) so PyJWT's decoding is paid once per token.
        self._verified: dict[str, Claims] = {}

    def issue(self, user_id: str, *, ttl: int | None = None) -> str:
        """A signed token for `user_id` valid for `ttl` seconds (negative: already expired)."""
        now = int(time.time())
        lifetime = self.ttl if ttl is None else ttl
        issued: int | str = now if self._string_iat_skew is None else str(now + self._string_iat_skew)
        claims: dict[str, Any] = {"sub": user_id, "iss": ISSUER, "iat": issued, "exp": now + lifetime}
        # Two logins within one second get two tokens: a scenario can expire one and not the other.
        claims["jti"] = secrets.token_hex(8)
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, authorization: str | None) -> Claims:
        """Check an `Authorization` header value; `TokenInvalid` (1) or `TokenExpired` (3) otherwise."""
        if not authorization:
            raise TokenInvalid("签名错误：缺少 Authorization 请求头", "Authorization header missing")
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token or " " in token:
            raise TokenInvalid(
                "签名错误：Authorization 应为 Bearer {token}（中间一个空格）",
                "Authorization header is not 'Bearer <token>'",
            )
        cached = self._verified.get(token)
        if cached is not None:
            # PyJWT's own rule, without leeway: expired once now >= exp.
            if time.time() >= cached.expires_at:
                raise TokenExpired("令牌已过期，请重新登陆", "Signature has expired")
            return cached
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                # Real deployments put a string `iat` hours in the future: never judge a token by it.
                options={"require": ["exp", "sub", "iss"], "verify_iat": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired("令牌已过期，请重新登陆", str(exc)) from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenInvalid("签名错误：令牌签发者不正确", str(exc)) from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenInvalid("签名错误：令牌签名无效", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise TokenInvalid("签名错误：令牌无效", f"{exc.__class__.__name__}: {exc}") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise TokenInvalid("签名错误：令牌无效", "the token's sub claim is not a non-empty string")
        verified = Claims(user_id=subject, expires_at=int(claims["exp"]))
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = verified
        return verified
