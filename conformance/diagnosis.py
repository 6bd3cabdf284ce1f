"""Why the first request (the login) got nowhere, in one line with the likely fix.

A vendor's first run usually fails on the setup, not on the HIS: a wrong port, http:// against
a TLS port, a path prefix too many in --base-url. These are the suite's own errors (exit 2),
and each names its cause precisely instead of a generic "cannot reach".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.escape import one_line
from conformance.http import Exchange, Problem

# The first bytes of a TLS record (a handshake or an alert): an https server asked over http://.
_TLS_RECORD = (b"\x15\x03", b"\x16\x03")
_SNIPPET = 60


def unreachable_reason(exchange: Exchange, base_url: str) -> str | None:
    """The one-line reason when no HTTP server answered the login at all; None when one did."""
    problem = exchange.problem
    url = exchange.request.url
    parts = urlsplit(base_url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    detail = f" ({one_line(exchange.detail)})" if exchange.detail else ""
    if problem is Problem.REFUSED:
        return (
            f"cannot reach {base_url}: the connection to {where} was refused{detail}:"
            " is the HIS running, and is the port in --base-url right?"
        )
    if problem is Problem.DNS:
        return (
            f"cannot reach {base_url}: the host name {parts.hostname!r} does not resolve{detail}:"
            " check the host in --base-url (or this machine's DNS)"
        )
    if problem is Problem.TLS and "CERTIFICATE_VERIFY_FAILED" in exchange.detail:
        return (
            f"cannot reach {base_url}: the certificate of {where} is not trusted here{detail}:"
            " point SSL_CERT_FILE at the CA bundle that signed it"
        )
    if problem is Problem.TLS:
        return (
            f"cannot reach {base_url}: the TLS handshake with {where} failed{detail}:"
            " if the server speaks plain HTTP, use http:// in --base-url"
        )
    if problem is Problem.CONNECTION:
        return f"cannot reach {base_url}: the connection to {where} failed{detail}: check --base-url"
    if problem is Problem.RESET:
        return (
            f"no HTTP answer from {url}: the connection was closed or reset before any response{detail}:"
            " check that --base-url names the HIS's port (not a TLS port under http://, nor a proxy)"
        )
    if problem is Problem.NOT_HTTP:
        if exchange.partial.startswith(_TLS_RECORD):
            return f"{url} answered with TLS, not plain HTTP: use https:// in --base-url"
        snippet = one_line(exchange.partial[:_SNIPPET].decode("latin-1"))
        return (
            f"{url} answered with something that is not HTTP/1.x ({snippet!r}):"
            " check that --base-url names the HIS's HTTP port"
        )
    return None


def no_api_reason(exchange: Exchange, *, is_envelope: bool) -> str | None:
    """The reason when an HTTP server answered the login, but evidently no HIS API lives there.

    A 404 (or 405: a static server) means no such path, whatever the body says; any other answer
    below 500 that is not an envelope (an HTML page, a SPA's index.html) means the same, unless it
    looks like a broken envelope (JSON labelled as such, or a body starting with `{`: GBK bytes
    under charset=utf-8, a bare NaN): that is a finding about the deployment (ENV-1), as a 5xx is
    (ENV-5), and 401/403 a refused login.
    """
    response = exchange.response
    if response is None or exchange.problem is not None:
        return None
    status = response.status
    broken_envelope = response.media_type.endswith("json") or response.body.lstrip()[:1] == b"{"
    wrong_path = status in (404, 405) or (
        not is_envelope and not broken_envelope and status < 500 and status not in (401, 403)
    )
    if not wrong_path:
        return None
    media = response.media_type or "no Content-Type"
    location = response.header("Location")
    if 300 <= status < 400 and location:
        return (
            f"no HIS API at {exchange.request.url}: HTTP {status} redirects to {one_line(location)!r}"
            " (the suite follows no redirect): put the URL the HIS really answers at in --base-url"
        )
    return (
        f"no HIS API at {exchange.request.url} (HTTP {status}, {media}): check --base-url,"
        " the root the operations' paths /api/... are appended to"
    )
