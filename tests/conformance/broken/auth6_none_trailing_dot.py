"""AUTH-6: alg is parsed ignoring case: `None.`, `NONE.`, `nOnE.` (with the trailing dot) are accepted."""

from __future__ import annotations

from typing import Any

import jwt

from tests.conformance.broken.base import CorrectHis, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule


class NoneTrailingDot(CorrectHis):
    def decode_token(self, token: str) -> dict[str, Any]:
        alg = jwt.get_unverified_header(token).get("alg")
        # The lower-case spelling is on a deny list; `Enum.Parse(alg, ignoreCase: true)` lets the rest in.
        if isinstance(alg, str) and alg != "none" and alg.upper() == "NONE":
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
            return claims
        return super().decode_token(token)


if __name__ == "__main__":
    serve_forever(NoneTrailingDot)
