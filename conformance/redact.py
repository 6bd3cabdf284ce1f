"""Keep secrets out of every output: passwords, tokens, and curl commands that stay reproducible.

Every request, response and curl command the suite shows passes through one `Redactor`, which
knows the run's secrets (the password, the login token and its signature, the expired token).
Secrets become `${HIS_PASSWORD}`-style placeholders, so a curl command still reproduces the
finding once the reader exports those variables.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

from conformance.http import HttpRequest

PASSWORD_PLACEHOLDER = "${HIS_PASSWORD}"
TOKEN_PLACEHOLDER = "${HIS_TOKEN}"
REDACTED = "***"
# Shorter strings are too likely to occur innocently (a password "demo" vs a user id "demo").
_MIN_SECRET_LENGTH = 8


@dataclass(slots=True)
class Redactor:
    """Replaces the run's secrets by named placeholders."""

    _secrets: dict[str, str] = field(default_factory=dict)
    _password: str | None = None

    def add_password(self, password: str | None) -> None:
        """Register the login password: in `password` fields it is replaced whatever its length."""
        self._password = password or None
        self.add(password, PASSWORD_PLACEHOLDER)

    def add(self, secret: str | None, placeholder: str) -> None:
        """Register a secret; later, longer secrets win when one contains another."""
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            self._secrets[secret] = placeholder

    def add_token(self, token: str | None, placeholder: str = TOKEN_PLACEHOLDER) -> None:
        """Register a JWT, and its signature on its own (a tampered token reuses it)."""
        if not token:
            return
        self.add(token, placeholder)
        parts = token.split(".")
        if len(parts) == 3:
            self.add(parts[2], REDACTED)

    def text(self, value: str) -> str:
        """`value` with every known secret replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, self._secrets[secret])
        return value

    def body(self, body: bytes | None) -> str:
        """A request or response body as text, secrets replaced (the real password in any field)."""
        if body is None:
            return ""
        text = body.decode("utf-8", errors="replace")
        try:
            document = json.loads(text)
        except ValueError:
            return self.text(text)
        if isinstance(document, dict) and self._password is not None:
            secret_keys = [k for k, v in document.items() if k.lower() == "password" and v == self._password]
            # A deliberately wrong password is no secret: it stays, so the curl reproduces it.
            for key in secret_keys:
                document[key] = PASSWORD_PLACEHOLDER
            if secret_keys:
                text = json.dumps(document, ensure_ascii=False)
        return self.text(text)

    def headers(self, headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(name, self.text(value)) for name, value in headers]

    def curl(self, request: HttpRequest) -> str:
        """A shell command that sends `request` again, with placeholders for the secrets.

        Placeholders are expanded by the shell: the parts that carry them are double-quoted,
        everything else single-quoted.
        """
        parts = ["curl", "-sS", "-i", "-X", request.method, _quote(self.text(request.url))]
        for name, value in request.headers:
            if name.lower() in {"user-agent", "accept-encoding", "connection", "content-length"}:
                continue
            parts += ["-H", _quote(f"{name}: {self.text(value)}")]
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
