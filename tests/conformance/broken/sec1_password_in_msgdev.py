"""SEC-1: a refused login echoes the submitted password in msgDev (a debug message left in)."""

from __future__ import annotations

import json

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "SEC-1"


class PasswordInMsgDev(CorrectHis):
    def login(self, raw: bytes, authorization: str | None) -> Reply:
        reply = super().login(raw, authorization)
        document = json.loads(reply.body)
        if document["status"] == 6:
            body = self.parse("login", raw)
            password = body.get("password") if isinstance(body, dict) else None
            document["msgDev"] = f"用户名或密码错误: password={password}"
            return self.reply(document)
        return reply


if __name__ == "__main__":
    serve_forever(PasswordInMsgDev)
