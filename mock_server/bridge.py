"""Run a WSGI app (the Flask app of his-mock) as an ASGI app, whole requests only.

The HTTP server (uvicorn's httptools protocol with `mock_server.protocol` on top) reads the request
line and headers under its own deadline and size cap; this bridge then reads the body in the
worker's event loop, bounded in size and time, and only a complete request reaches the app: on one
of the worker's few pool threads, or (for the calls the app names short, `inline`) on the event
loop's thread itself. A slow client costs a coroutine, never a thread: headers or a body trickling
in at one byte a second hold nothing the other clients need.

What the bridge itself answers, before the app sees anything (the server layer's short answers):
- 408 when the body has not arrived within `body_timeout` seconds.
A body larger than `max_body` is not read: the app receives an empty body and a `Content-Length`
saying how large it was, so it can answer its own "too large" (an envelope on the HIS paths), and
the connection is closed after that answer. A connection that breaks mid-body (a malformed chunked
encoding is answered 400 by the protocol) gets nothing more.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote_to_bytes

log = logging.getLogger("his_mock")

# The key under which the WSGI environ carries `drop()`: close this connection without any answer.
DROP_CONNECTION = "his_mock.drop_connection"
# The ASGI scope extension through which the protocol (mock_server.protocol) lets the bridge drop
# the connection; under another ASGI server a dropped call gets the app's own answer instead.
DROP_EXTENSION = "his_mock.drop"
# True in the environ of a call that runs on the event loop's thread (where it must not wait).
INLINE = "his_mock.inline"
# What the app hands to the pool thread with `RunOnThread` (an injected fault it already took).
TAKEN_FAULT = "his_mock.taken_fault"


class RunOnThread(Exception):  # noqa: N818 (a request to the bridge, not an error)
    """Raised by the app on the event loop's thread when the call must wait (an injected delay):
    the bridge runs it again on a pool thread with `environ_updates` added to its environ."""

    def __init__(self, environ_updates: dict[str, Any]) -> None:
        super().__init__("run this call on a pool thread")
        self.environ_updates = environ_updates


# Answers that carry no body, and so no length (RFC 9110 15.3.5, 15.4.5).
_NO_BODY = frozenset({204, 304})
_TEXT = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
# Header names already turned into environ keys (b"user-agent" -> "HTTP_USER_AGENT"); bounded, since
# clients choose the names.
_HEADER_KEYS: dict[bytes, str] = {}
_HEADER_KEYS_KEPT = 256

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class Answer:
    """The app's status, headers and body, and whether it asked for the connection to be dropped."""

    __slots__ = ("status", "headers", "body", "drop")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.drop = False

    def start_response(self, status: str, headers: list[tuple[str, str]], _exc_info: Any = None) -> None:
        self.status = int(status[:3])
        self.headers = headers

    def request_drop(self) -> None:
        self.drop = True


class _Disconnected(Exception):
    """The client went away (or its request could not be parsed) before the whole body arrived."""


class AsgiBridge:
    """An ASGI application that serves `app` from a small thread pool, complete requests only."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        threads: int,
        max_body: int,
        body_timeout: float,
        multiprocess: bool,
        inline: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.app = app
        # Calls for which `inline(environ)` is true run on the event loop's own thread: no hand-over
        # to the pool (a third of the CPU of a short call). Only for calls that never wait long.
        self.inline = inline
        self.max_body = max_body
        self.body_timeout = body_timeout
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="his-mock")
        self._base: dict[str, Any] = {
            "SCRIPT_NAME": "",
            "wsgi.version": (1, 0),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": multiprocess,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no lifespan, no websockets: nothing else is served
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        declared = _content_length(headers)
        try:
            async with asyncio.timeout(self.body_timeout):
                body, size = await self._read_body(receive, declared)
        except TimeoutError:
            await _send(
                send, 408, _TEXT, f"request body not received within {self.body_timeout:g} s\n".encode()
            )
            return
        except _Disconnected:
            return
        answer = Answer()
        environ = self._environ(scope, headers, body, size)
        environ[DROP_CONNECTION] = answer.request_drop
        moved: RunOnThread | None = None
        if self.inline is not None and self.inline(environ):
            environ[INLINE] = True
            try:
                self._call(environ, answer)
            except RunOnThread as request:
                moved = request
        if moved is not None or environ.get(INLINE) is not True:
            if moved is not None:
                environ.update(moved.environ_updates)
                environ[INLINE] = False
            await asyncio.get_running_loop().run_in_executor(self._pool, self._call, environ, answer)
        if answer.drop:
            drop = scope.get("extensions", {}).get(DROP_EXTENSION)
            if drop is not None:
                drop()
                return
        encoded = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
        ]
        if (
            answer.status not in _NO_BODY
            and scope["method"] != "HEAD"
            and not any(name == b"content-length" for name, _value in encoded)
        ):
            # The whole body is here: a length, not a chunked answer.
            encoded.append((b"content-length", str(len(answer.body)).encode()))
        if size > len(body):
            # The rest of an oversized body stays unread: this connection cannot carry another request.
            encoded.append((b"connection", b"close"))
        await _send(send, answer.status, encoded, answer.body)

    async def _read_body(self, receive: Receive, declared: int | None) -> tuple[bytes, int]:
        """The body and its size; an empty body and the size seen once it exceeds `max_body`."""
        if declared is not None and declared > self.max_body:
            return b"", declared
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", size
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks), size

    def _environ(
        self, scope: dict[str, Any], headers: list[tuple[bytes, bytes]], body: bytes, size: int
    ) -> dict[str, Any]:
        server = scope.get("server") or ("", 0)
        client = scope.get("client") or ("", 0)
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        environ = {
            **self._base,
            "REQUEST_METHOD": scope["method"],
            # WSGI carries the decoded path as latin-1 text of its bytes (PEP 3333).
            "PATH_INFO": (unquote_to_bytes(raw_path) if b"%" in raw_path else raw_path).decode("latin-1"),
            "QUERY_STRING": scope["query_string"].decode("latin-1"),
            "SERVER_NAME": str(server[0]),
            "SERVER_PORT": str(server[1]),
            "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
            "REMOTE_ADDR": str(client[0]),
            "REMOTE_PORT": str(client[1]),
            "wsgi.url_scheme": scope["scheme"],
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(size),
        }
        for name, raw_value in headers:
            if name == b"content-type":
                environ["CONTENT_TYPE"] = raw_value.decode("latin-1")
            elif name in (b"content-length", b"transfer-encoding") or b"_" in name:
                # The body is read and de-chunked already; a header with "_" could pose as another
                # one in the environ (X_Forwarded vs X-Forwarded), so it is left out as gunicorn does.
                continue
            else:
                key = _HEADER_KEYS.get(name)
                if key is None:
                    key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
                    if len(_HEADER_KEYS) < _HEADER_KEYS_KEPT:
                        _HEADER_KEYS[name] = key
                value = raw_value.decode("latin-1")
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _call(self, environ: dict[str, Any], answer: Answer) -> None:
        try:
            result = self.app(environ, answer.start_response)
            try:
                answer.body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except RunOnThread:
            raise
        except Exception:  # Flask answers its own errors; this is a bug below it
            log.exception("unexpected error below the app")
            answer.status, answer.headers = 500, [("content-type", "text/plain; charset=utf-8")]
            answer.body = b"internal error of his-mock\n"


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
