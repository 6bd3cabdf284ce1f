"""AUTH-4: an expired token answers status 1 (签名错误) instead of 3 (时间过期)."""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "AUTH-4"


class ExpiredAsSignature(CorrectHis):
    def auth_error(self, status: int, msg: str) -> Reply:
        return super().auth_error(1, msg)


if __name__ == "__main__":
    serve_forever(ExpiredAsSignature)
