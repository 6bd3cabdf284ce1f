"""AUTH-6: tokens are signed with Blog.Core's published default key, never changed on deployment."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, expired_token, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
KEY = "sdfsdfsrty45634kkhllghtdgdfss345t678fs"
EXTRA_ARGS = ["--expired-token", expired_token(KEY)]


class BlogCoreKey(CorrectHis):
    signing_key = KEY


if __name__ == "__main__":
    serve_forever(BlogCoreKey)
