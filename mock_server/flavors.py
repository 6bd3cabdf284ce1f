"""How answers go on the wire: the document's way (`doc`) or a stock ASP.NET Core deployment's (`aspnet`).

`doc` answers every call with HTTP 200 and the JSON envelope. `aspnet` does what DOMAIN.md records of
real deployments, so integrators can harden their clients: HTTP 401 for auth failures (envelope,
`WWW-Authenticate`, `Token-Expired: true` when expired), HTTP 400 `application/problem+json` when the
body cannot be bound (malformed JSON, wrong JSON types), and other error envelopes as `text/plain`
with alphabetically ordered keys (as its exception filter writes them).
"""

from __future__ import annotations

import json
import secrets
from typing import Literal

from flask import Response

from mock_server.errors import ApiError, InvalidInput, TokenExpired, TokenInvalid

FlavorName = Literal["doc", "aspnet"]
FLAVORS: tuple[FlavorName, ...] = ("doc", "aspnet")
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
PROBLEM = "application/problem+json; charset=utf-8"


def envelope_json(status: int, msg: str, msg_dev: str | None, *, sort_keys: bool = False) -> bytes:
    """An error envelope (`response` null) as UTF-8 JSON."""
    document = {"status": status, "isSuccess": status == 0, "msg": msg, "msgDev": msg_dev, "response": None}
    return utf8(json.dumps(document, ensure_ascii=False, sort_keys=sort_keys))


def utf8(text: str) -> bytes:
    """UTF-8 bytes of text that may echo a client's input: a lone surrogate becomes "?", never a crash."""
    return text.encode("utf-8", errors="replace")


def success_prefix(msg: str) -> bytes:
    """Everything of a success envelope before its payload: built once per message, not per request."""
    head = json.dumps(
        {"status": 0, "isSuccess": True, "msg": msg, "msgDev": None},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return (head[:-1] + ',"response":').encode()


class Flavor:
    """The document's behaviour: HTTP 200 and a JSON envelope for everything."""

    name: FlavorName = "doc"
    # Where iat goes: None, an integer now; a number, a string that many seconds ahead.
    string_iat_skew: int | None = None

    def success(self, prefix: bytes, payload: bytes) -> Response:
        return Response(prefix + payload + b"}", status=200, content_type=JSON)

    def error(self, error: ApiError) -> Response:
        return Response(envelope_json(error.status, error.msg, error.msg_dev), status=200, content_type=JSON)


class AspNetFlavor(Flavor):
    """A stock ASP.NET Core deployment of the envelope pattern (DOMAIN.md)."""

    name: FlavorName = "aspnet"
    string_iat_skew = 8 * 3600

    def error(self, error: ApiError) -> Response:
        if isinstance(error, TokenInvalid | TokenExpired):
            response = Response(
                envelope_json(error.status, error.msg, error.msg_dev), status=401, content_type=JSON
            )
            description = (
                "The token expired" if isinstance(error, TokenExpired) else "The signature is invalid"
            )
            response.headers["WWW-Authenticate"] = (
                f'Bearer error="invalid_token", error_description="{description}"'
            )
            if isinstance(error, TokenExpired):
                response.headers["Token-Expired"] = "true"
            return response
        if isinstance(error, InvalidInput) and error.binding:
            return Response(_problem(error), status=400, content_type=PROBLEM)
        return Response(
            envelope_json(error.status, error.msg, error.msg_dev, sort_keys=True),
            status=200,
            content_type=TEXT,
        )


def _problem(error: InvalidInput) -> bytes:
    """An RFC 9457 ProblemDetails body as ASP.NET Core's [ApiController] writes it."""
    document = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {error.field: [error.msg, error.msg_dev or ""]},
        "traceId": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00",
    }
    return utf8(json.dumps(document, ensure_ascii=False))


def flavor(name: str) -> Flavor:
    """The behaviour for `--flavor`."""
    return AspNetFlavor() if name == "aspnet" else Flavor()
