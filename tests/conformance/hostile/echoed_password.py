"""SEC-1: the login echoes the password back in four encodings: JSON \\u escapes (upper-case hex),
percent-encoded, base64 in a header, and inside a JSON string nested in `msgDev`."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from tests.conformance.broken.base import USER_ID, CorrectHis, Reply, serve_forever

EXPECTED = ("SEC-1",)
EXIT = 1
DEADLINE = 30.0


def escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04X}" for char in text)


class EchoedPassword(CorrectHis):
    def login(self, raw: bytes, authorization: str | None) -> Reply:
        reply = super().login(raw, authorization)
        try:
            password = str(json.loads(raw).get("password"))
        except (ValueError, AttributeError):
            return reply
        document = json.loads(reply.body)
        nested = json.dumps({"request": {"userId": USER_ID, "password": password}})
        # msgDev is written by hand with the escapes a serialiser of the kind would write.
        msg_dev = f"login {escaped(password)} url=/login?pw={quote(password)} body={json.dumps(nested)[1:-1]}"
        text = json.dumps({**document, "msgDev": "MSGDEV"}, ensure_ascii=False)
        body = text.replace('"MSGDEV"', '"' + msg_dev + '"').encode("utf-8")
        auth = base64.b64encode(f"{USER_ID}:{password}".encode()).decode()
        return Reply(body, reply.http_status, reply.content_type, {"X-Debug-Auth": f"Basic {auth}"})


if __name__ == "__main__":
    serve_forever(EchoedPassword)
