"""AUTH-6: `alg: none` is refused only when spelled exactly so; `None`, `NONE`, `nOnE` go through."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


def _segment(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class AlgNoneAnyCase(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        # A hand-written reader: header and claims first, the signature (if any) only for HS256.
        parts = token.split(".")
        try:
            header, claims = _segment(parts[0]), _segment(parts[1])
        except (IndexError, ValueError) as error:
            raise jwt.DecodeError(str(error)) from error
        alg = header.get("alg") if isinstance(header, dict) else None
        if alg == "none":
            raise jwt.InvalidAlgorithmError("alg none is not allowed")
        if isinstance(alg, str) and alg.lower() == "none" and isinstance(claims, dict):
            return claims
        return super().decode_token(token)


if __name__ == "__main__":
    serve_forever(AlgNoneAnyCase)
