"""TRN-1: the bill's status line and headers arrive at one byte a second, and never end."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import BILL_PATH, CorrectHis, Reply, serve_forever

EXPECTED = ("TRN-1",)
EXIT = 1
DEADLINE = 40.0


class TrickledHeaders(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if path != BILL_PATH:
            return super().send(handler, path, reply)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Padding: " + b"x" * 10_000
        for byte in head:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(1.0)


if __name__ == "__main__":
    serve_forever(TrickledHeaders)
