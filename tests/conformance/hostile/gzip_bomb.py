"""ENV-1: the bill is gzip-encoded: 64 KiB on the wire, 64 MiB of NUL bytes decoded (the first
three bill answers: enough to be caught, few enough to keep the test fast)."""

from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import BILL_PATH, CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


class GzipBomb(CorrectHis):
    bombs_left = 3

    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        with self.lock:
            bomb = path == BILL_PATH and self.bombs_left > 0
            self.bombs_left -= bomb
        if not bomb:
            return super().send(handler, path, reply)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(BOMB)))
        handler.end_headers()
        handler.wfile.write(BOMB)


if __name__ == "__main__":
    serve_forever(GzipBomb)
