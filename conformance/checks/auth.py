"""AUTH-1..5: the login issues a real JWT, refuses wrong passwords, and protected calls check the token."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from conformance.answer import AnswerKind
from conformance.checks._support import answered, dumps
from conformance.findings import Finding
from conformance.http import Exchange
from conformance.intents import ExpiredToken, ForgedToken, Plain, WrongPassword
from conformance.registry import CheckContext, check

TOKEN_PAYLOAD = "Token"  # the success payload of the login operation (the spec's schema name)
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def jwt_header(token: str) -> dict[str, Any] | None:
    """The decoded header of a JWT, or None."""
    try:
        segment = token.split(".", 1)[0]
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


def _is_login(ctx: CheckContext, exchange: Exchange) -> bool:
    operation = ctx.operation(exchange)
    return answered(ctx, exchange) and operation is not None and operation.payload == TOKEN_PAYLOAD


@check("AUTH-1", intents=(Plain,), when=_is_login)
def login_issues_a_jwt(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """Valid credentials: status 0 and a JWT whose header's `alg` is not `none`."""
    answer = ctx.answer
    if not answer.succeeded:
        return ctx.finding(exchange, kind="refused")
    token = answer.payload
    if not isinstance(token, str) or not JWT.match(token):
        return ctx.finding(
            exchange, kind="not-a-jwt", received=f"`response` is {dumps(token)[:80]}, not a JWT"
        )
    header = jwt_header(token)
    if header is None:
        return ctx.finding(
            exchange, kind="bad-header", received="the token's header is not base64url-encoded JSON"
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        return ctx.finding(exchange, kind="alg", received=f"the token's header says alg {dumps(alg)}")
    return None


@check("AUTH-2", intents=(WrongPassword,), when=answered)
def wrong_password_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """A wrong password: a non-zero status and no token."""
    answer = ctx.answer
    if answer.kind is AnswerKind.HTTP_AUTH_FAILURE:
        return None if answer.status != 0 else ctx.finding(exchange, kind="status-0")
    if not answer.refused:
        return ctx.finding(exchange, kind="not-refused")
    token = answer.payload
    if isinstance(token, str) and JWT.match(token):
        return ctx.finding(exchange, kind="token", received=f"{answer.summary}, yet a token in `response`")
    return None


def _refused_with(ctx: CheckContext, exchange: Exchange, code: int) -> Finding | None:
    answer = ctx.answer
    if answer.kind is AnswerKind.HTTP_AUTH_FAILURE:
        ok = answer.status != 0
    else:
        ok = answer.kind is AnswerKind.ENVELOPE and answer.status == code
    if ok:
        return None
    lenient = " (or HTTP 401)" if ctx.profile.accepts_http_401_auth_failure else ""
    got = f"status-{answer.status}" if answer.status is not None else str(answer.kind).replace(" ", "-")
    return ctx.finding(exchange, kind=got, expected=f"status {code}, never 0{lenient}")


@check("AUTH-3", intents=(ForgedToken,), when=answered)
def forged_token_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """No token, a malformed, tampered or alg-none token: status 1, never 0."""
    return _refused_with(ctx, exchange, 1)


@check("AUTH-4", intents=(ExpiredToken,), when=answered)
def expired_token_refused(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """An expired token: status 3."""
    return _refused_with(ctx, exchange, 3)


def _protected_call(ctx: CheckContext, exchange: Exchange) -> bool:
    operation = ctx.operation(exchange)
    return answered(ctx, exchange) and operation is not None and operation.protected


@check("AUTH-5", intents=(Plain,), when=_protected_call)
def login_token_accepted(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    """The login token, sent as `Bearer <token>`, is not refused as an auth failure."""
    answer = ctx.answer
    if answer.kind is AnswerKind.HTTP_AUTH_FAILURE or answer.status in (1, 3):
        return ctx.finding(
            exchange, kind="refused", expected="the token accepted: not status 1 or 3, not HTTP 401"
        )
    return None
