"""ENV-1: a registration that does not exist is answered with a TCP reset (RST), no HTTP at all."""

from __future__ import annotations

import socket
import struct
from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0


class Reset(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if reply.body.startswith(b'{"status": 6') and "挂号".encode() in reply.body:
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            return
        super().send(handler, path, reply)


if __name__ == "__main__":
    serve_forever(Reset)
