"""ENV-1: the bill's body is cut short and the connection closed (Content-Length promises more)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from tests.conformance.broken.base import CorrectHis, Reply, serve_forever

EXPECTED = "ENV-1"


class TruncatedBody(CorrectHis):
    def send(self, handler: BaseHTTPRequestHandler, path: str, reply: Reply) -> None:
        if path != "/api/MzSettle/GetUnSettleBillByDoctor":
            return super().send(handler, path, reply)
        handler.send_response(200)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body[: len(reply.body) // 2])
        handler.close_connection = True


if __name__ == "__main__":
    serve_forever(TruncatedBody)
