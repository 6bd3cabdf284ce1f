"""ENV-1: a registration that does not exist is answered HTTP/0.9 style: a body, no status line."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = ("ENV-1",)
EXIT = 1
DEADLINE = 30.0


class Garbage(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if reply.body.startswith(b'{"status": 6') and "挂号".encode() in reply.body:
            handler.wfile.write(b"<html>\x00\x1b[31m" + reply.body + b"</html>\r\n\r\n")
            handler.close_connection = True
            return
        super().send(handler, path, reply)


if __name__ == "__main__":
    serve_forever(Garbage)
