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
from typing import Any

from conformance.http import HttpRequest

PASSWORD_PLACEHOLDER = "${HIS_PASSWORD}"
TOKEN_PLACEHOLDER = "${HIS_TOKEN}"
REDACTED = "***"
# In free text only secrets this long are replaced: a short one ("demo") is too likely to occur
# innocently (the user id "demo", a word in a message). Short secrets are still replaced by
# structure: as the value of a password/token field and as the credentials of an Authorization header.
_MIN_SECRET_LENGTH = 8
_SECRET_KEY_WORDS = ("password", "passwd", "pwd", "token", "secret")


@dataclass(slots=True)
class Redactor:
    """Replaces the run's secrets by named placeholders."""

    _secrets: dict[str, str] = field(default_factory=dict)  # every secret, whatever its length

    def add_password(self, password: str | None) -> None:
        """Register the login password."""
        self.add(password, PASSWORD_PLACEHOLDER)

    def add(self, secret: str | None, placeholder: str) -> None:
        """Register a secret; later, longer secrets win when one contains another."""
        if secret:
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
        """`value` with every known secret long enough to be told from ordinary text replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            if len(secret) >= _MIN_SECRET_LENGTH:
                value = value.replace(secret, self._secrets[secret])
        return value

    def body(self, body: bytes | None) -> str:
        """A request or response body as text, secrets replaced.

        A JSON body is walked: a known secret as the value of a password/token field, at any depth,
        becomes its placeholder whatever its length. A deliberately wrong password is no secret: it
        stays, so the curl reproduces it.
        """
        if body is None:
            return ""
        text = body.decode("utf-8", errors="replace")
        try:
            document = json.loads(text)
            redacted, changed = self._walk(document)
        except ValueError:
            return self.text(text)
        except RecursionError:  # a hostile body nested too deep to walk for secrets: not shown at all
            return f"<a JSON body nested too deep to show ({len(body)} bytes)>"
        if changed:
            text = json.dumps(redacted, ensure_ascii=False)
        return self.text(text)

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

    def _walk(self, node: Any) -> tuple[Any, bool]:
        """`node` with secrets in password/token fields replaced, and whether anything was."""
        if isinstance(node, list):
            items = [self._walk(item) for item in node]
            return [item for item, _ in items], any(changed for _, changed in items)
        if not isinstance(node, dict):
            return node, False
        result: dict[str, Any] = {}
        changed = False
        for key, value in node.items():
            if _is_secret_key(key) and isinstance(value, str) and value in self._secrets:
                result[key], changed = self._secrets[value], True
                continue
            result[key], inner = self._walk(value)
            changed = changed or inner
        return result, changed


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_KEY_WORDS)


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
