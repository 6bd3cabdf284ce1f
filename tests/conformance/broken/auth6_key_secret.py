"""AUTH-6: tokens are signed with the key `secret`: anyone can forge one with the real token's claims."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, expired_token, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
KEY = "secret"
EXTRA_ARGS = ["--expired-token", expired_token(KEY)]


class KeySecret(CorrectHis):
    signing_key = KEY


if __name__ == "__main__":
    serve_forever(KeySecret)
