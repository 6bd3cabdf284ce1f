"""An empty required string goes to the business logic: status 6 用户名或密码错误 for an empty userId.

The document does not say that "" is invalid input (the kit's `minLength: 1` is its reading):
status 6 is correct, INP-1 gives advice, never a failure (CONTRACT.md, INP-1).
"""

from __future__ import annotations

from jsonschema import ValidationError

from tests.conformance.broken.base import CorrectHis, serve_forever

PROFILE = "strict"
ADVICE = {"INP-1"}


class EmptyStringsToBusiness(CorrectHis):
    def is_invalid_input(self, error: ValidationError) -> bool:
        return error.validator != "minLength"


if __name__ == "__main__":
    serve_forever(EmptyStringsToBusiness)
