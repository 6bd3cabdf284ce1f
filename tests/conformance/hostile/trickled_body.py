"""TRN-1: the bill's headers promise 100,000 bytes, then the body trickles at 2 bytes a second."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import BILL_PATH, CorrectHis, Reply, serve_forever

EXPECTED = ("TRN-1",)
EXIT = 1
DEADLINE = 40.0


class TrickledBody(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if path != BILL_PATH:
            return super().send(handler, path, reply)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for byte in reply.body * 100:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.5)


if __name__ == "__main__":
    serve_forever(TrickledBody)
