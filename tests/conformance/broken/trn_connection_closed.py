"""ENV-1: the server closes the connection without any answer on a malformed body."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class ConnectionClosed(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if b'"status": 5' in reply.body:
            handler.close_connection = True
            return
        super().send(handler, path, reply)


if __name__ == "__main__":
    serve_forever(ConnectionClosed)
