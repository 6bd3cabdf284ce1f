"""Keep secrets out of every output: passwords, tokens, and curl commands that stay reproducible.

Every request, response and curl command the suite shows passes through one `Redactor`, which
knows the run's secrets (the password, the login token and its signature, the expired token)
and finds each in every form a server may echo it (`conformance.secret_forms`: raw, JSON
`\\u`-escaped, nested JSON, percent-encoded, HTML references, base64). Secrets become
`${HIS_PASSWORD}`-style placeholders, so a curl command still reproduces the finding once the
reader exports those variables. Redaction works on text only: it never parses, so no answer,
however deep or large, can make it fail.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from conformance.http import HttpRequest
from conformance.secret_forms import SecretMatcher

PASSWORD_PLACEHOLDER = "${HIS_PASSWORD}"
TOKEN_PLACEHOLDER = "${HIS_TOKEN}"
REDACTED = "***"
# Longer than any form of a secret a preview could cut (a password of 100 characters, each
# written as a 12-character percent-encoding of a 4-byte character, is 1,200).
_PREVIEW_MARGIN = 4096
# A signed JWT the run did not register (a token handed to a probe's login, or a login the run
# could not read as a success): its signature is what makes it a credential, so it goes; the
# header and claims stay readable.
_UNKNOWN_SIGNED_JWT = re.compile(r"(eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.)[A-Za-z0-9_-]{8,}")


@dataclass(slots=True)
class Redactor:
    """Replaces the run's secrets by named placeholders."""

    _secrets: dict[str, str] = field(default_factory=dict)  # every secret, whatever its length
    _matchers: dict[str, SecretMatcher] = field(default_factory=dict)

    def add_password(self, password: str | None) -> None:
        """Register the login password."""
        self.add(password, PASSWORD_PLACEHOLDER)

    def add(self, secret: str | None, placeholder: str) -> None:
        """Register a secret; when one secret contains another, the longer is replaced first."""
        if secret:
            self._secrets[secret] = placeholder
            self._matchers.setdefault(secret, SecretMatcher(secret))

    def add_token(self, token: str | None, placeholder: str = TOKEN_PLACEHOLDER) -> None:
        """Register a JWT, and its signature on its own (a tampered token reuses it)."""
        if not token:
            return
        self.add(token, placeholder)
        parts = token.split(".")
        if len(parts) == 3:
            self.add(parts[2], REDACTED)

    def text(self, value: str) -> str:
        """`value` with every known secret, in any of its forms, replaced by its placeholder."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = self._matchers[secret].replace(value, self._secrets[secret])
        return _UNKNOWN_SIGNED_JWT.sub(rf"\1{REDACTED}", value)

    def body(self, body: bytes | None) -> str:
        """A request or response body as text, secrets replaced.

        A deliberately wrong password is no secret: it stays, so the curl reproduces it.
        """
        if body is None:
            return ""
        return self.text(body.decode("utf-8", errors="replace"))

    def preview(self, body: bytes | None, limit: int) -> str:
        """The first `limit` characters of `body` as text, secrets replaced, and how much is cut.

        Only a window is redacted (a 4 MiB answer would take seconds per secret): the window
        reaches far enough beyond `limit` that a secret, in any of its forms, starting before the
        cut is found whole, and is cut after redaction, so no part of a secret is shown.
        """
        if body is None:
            return ""
        text = body[: 4 * (limit + _PREVIEW_MARGIN)].decode("utf-8", errors="replace")
        shown = self.text(text[: limit + _PREVIEW_MARGIN])
        if len(text) <= limit + _PREVIEW_MARGIN and len(shown) <= limit:
            return shown
        return shown[:limit] + f"… ({len(body)} bytes in all)"

    def headers(self, headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(name, self.header(name, value)) for name, value in headers]

    def header(self, name: str, value: str) -> str:
        """One header value; the credentials of an Authorization header are replaced whatever their length."""
        if name.lower() in {"authorization", "proxy-authorization"}:
            scheme, space, credentials = value.partition(" ")
            if space and credentials in self._secrets:
                return f"{scheme} {self._secrets[credentials]}"
            if value in self._secrets:
                return self._secrets[value]
        return self.text(value)

    def curl(self, request: HttpRequest) -> str:
        """A shell command that sends `request` again, with placeholders for the secrets.

        Placeholders are expanded by the shell: the parts that carry them are double-quoted,
        everything else single-quoted.
        """
        parts = ["curl", "-sS", "-i", "-X", request.method, _quote(self.text(request.url))]
        for name, value in request.headers:
            if name.lower() in {"user-agent", "accept-encoding", "connection", "content-length"}:
                continue
            parts += ["-H", _quote(f"{name}: {self.header(name, value)}")]
        if request.body is not None:
            parts += ["--data-binary", _quote(self.body(request.body))]
        return " ".join(parts)


def _quote(text: str) -> str:
    """Shell-quote `text`, leaving `${HIS_...}` placeholders expandable."""
    if "${HIS_" not in text:
        return shlex.quote(text)
    pieces: list[str] = []
    rest = text
    while "${HIS_" in rest:
        before, _, after = rest.partition("${HIS_")
        name, _, rest = after.partition("}")
        if before:
            pieces.append(shlex.quote(before))
        pieces.append(f'"${{HIS_{name}}}"')
    if rest:
        pieces.append(shlex.quote(rest))
    return "".join(pieces)
