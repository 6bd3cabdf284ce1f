"""SEC-1: no answer echoes a submitted password, and no error answer carries the login token.

The secrets are found in every form a server may write them (`conformance.secret_forms`: raw,
JSON-escaped, nested JSON, percent-encoded, HTML references, base64), by the same matcher the
redactor uses, in the body and in every header of every answer.
"""

from __future__ import annotations

from conformance.findings import Finding
from conformance.http import Exchange, HttpResponse
from conformance.registry import CheckContext, check
from conformance.secret_forms import SecretMatcher


def _has_response(ctx: CheckContext, exchange: Exchange) -> bool:
    return exchange.response is not None or bool(exchange.partial)


@check("SEC-1", when=_has_response)
def no_secret_echoed(ctx: CheckContext, exchange: Exchange) -> Finding | None:
    secrets = ctx.secrets
    for name, matcher in secrets.passwords():
        where = _where(matcher, exchange)
        if where is not None:
            return ctx.finding(exchange, kind="password-echoed", received=f"{name} appears {where}")
    if secrets.token is not None and not ctx.answer.succeeded:
        where = _where(secrets.token, exchange)
        if where is not None:
            return ctx.finding(
                exchange,
                kind="token-in-error",
                received=f"the login token appears in an error answer, {where}",
            )
    return None


def _where(matcher: SecretMatcher, exchange: Exchange) -> str | None:
    """Where and in which form the answer of `exchange` carries the secret; None when it does not."""
    response: HttpResponse | None = exchange.response
    if response is None:
        texts = [("in what arrived", exchange.partial.decode("utf-8", errors="replace"))]
    else:
        texts = [(f"in the header {name}", value) for name, value in response.headers]
        texts.append(("in the body", response.body.decode("utf-8", errors="replace")))
    for place, text in texts:
        found = matcher.search(text)
        if found is not None:
            return f"{place}, {matcher.form_of(found.group())}"
    return None
