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
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

from flask import Response

from mock_server.errors import ApiError, InvalidInput, RoutingError, TokenExpired, TokenInvalid, http_status

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


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


@dataclass(slots=True, frozen=True)
class Reply:
    """One answer of the mock, as bytes: what the HIS operations' WSGI fast path sends as it is, and
    what Flask's error handlers turn into a `Response` (`as_response`)."""

    http: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def status_line(self) -> str:
        return _STATUS_LINES.get(self.http, f"{self.http} Unknown")

    def wsgi_headers(self) -> list[tuple[str, str]]:
        # No Content-Type at all where the answer had none (a proxied upstream's): never an empty one.
        typed = [("Content-Type", self.content_type)] if self.content_type else []
        return [*typed, ("Content-Length", str(len(self.body))), *self.headers]

    def as_response(self) -> Response:
        response = Response(self.body, status=self.http, content_type=self.content_type)
        for name, value in self.headers:
            response.headers[name] = value
        return response


def _allow(error: ApiError) -> tuple[tuple[str, str], ...]:
    return (("Allow", error.allow),) if isinstance(error, RoutingError) and error.allow else ()


class Flavor:
    """The document's behaviour: a JSON envelope for everything, HTTP 200 but for `HTTP_STATUS`'s few."""

    name: FlavorName = "doc"
    # Where iat goes: None, an integer now; a number, a string that many seconds ahead.
    string_iat_skew: int | None = None

    def success(self, prefix: bytes, payload: bytes) -> Reply:
        return Reply(200, JSON, prefix + payload + b"}")

    def error(self, error: ApiError) -> Reply:
        body = envelope_json(error.status, error.msg, error.msg_dev)
        return Reply(http_status(error), JSON, body, _allow(error))


class AspNetFlavor(Flavor):
    """A stock ASP.NET Core deployment of the envelope pattern (DOMAIN.md)."""

    name: FlavorName = "aspnet"
    string_iat_skew = 8 * 3600

    def error(self, error: ApiError) -> Reply:
        if isinstance(error, TokenInvalid | TokenExpired):
            description = (
                "The token expired" if isinstance(error, TokenExpired) else "The signature is invalid"
            )
            headers = [
                ("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{description}"')
            ]
            if isinstance(error, TokenExpired):
                headers.append(("Token-Expired", "true"))
            return Reply(401, JSON, envelope_json(error.status, error.msg, error.msg_dev), tuple(headers))
        if isinstance(error, RoutingError):
            return super().error(error)  # routing answers before ASP.NET Core's exception filter runs
        if isinstance(error, InvalidInput) and error.binding:
            return Reply(400, PROBLEM, _problem(error))
        body = envelope_json(error.status, error.msg, error.msg_dev, sort_keys=True)
        return Reply(http_status(error), TEXT, body)


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
