"""ENV-1: answers carrying every byte 0x00-0x1F and 0x7F raw (an ESC sequence, BEL, NUL ...).

The unknown registration is answered with the bytes raw inside the JSON envelope's `msg` (so it
is no JSON), the wrong password with them in a text/plain page; reports must stay valid.
"""

from __future__ import annotations

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0
CONTROL = bytes(range(0x20)) + b"\x7f" + b"\x1b[2J\x1b[31mRED\x07"


class ControlBytes(CorrectHis):
    def error(self, status: int, msg: str) -> Reply:
        if status == 6 and "挂号" in msg:
            body = (
                b'{"status": 6, "isSuccess": false, "msg": "'
                + CONTROL
                + b'", "msgDev": null, "response": null}'
            )
            return Reply(body)
        if status == 6:
            return Reply(b"login failed " + CONTROL, 200, "text/plain; charset=utf-8")
        return super().error(status, msg)


if __name__ == "__main__":
    serve_forever(ControlBytes)
