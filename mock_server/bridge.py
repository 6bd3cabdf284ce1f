"""Run a WSGI app (the Flask app of his-mock) under Granian's RSGI interface, whole requests only.

Granian (Rust) reads the request line and headers with its own deadline and size cap; this bridge
then reads the body in the worker's event loop, bounded in size and time, and only a complete
request reaches the app: on one of the worker's few pool threads, or (for the calls the app names
short, `inline`) on the event loop's thread itself. A slow client costs a coroutine, never a thread:
headers or a body trickling in at one byte a second hold nothing the other clients need.

What the bridge itself answers, before the app sees anything (the server layer's short answers):
- 408 when the body has not arrived within `body_timeout` seconds;
- 400 when the body cannot be read (a malformed chunked encoding, a connection reset mid-body).
A body larger than `max_body` is not read: the app receives an empty body and a `Content-Length`
saying how large it was, so it can answer its own "too large" (an envelope on the HIS paths).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("his_mock")

# The key under which the WSGI environ carries `drop()`: close this connection without any answer.
DROP_CONNECTION = "his_mock.drop_connection"
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


_TEXT = [("content-type", "text/plain; charset=utf-8"), ("connection", "close")]
# Header names already turned into environ keys ("user-agent" -> "HTTP_USER_AGENT"); bounded, since
# clients choose the names.
_HEADER_KEYS: dict[str, str] = {}
_HEADER_KEYS_KEPT = 256

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Scope(Protocol):
    """What the bridge reads of Granian's RSGI scope."""

    proto: str
    http_version: str
    server: str
    client: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> Any: ...


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


class RsgiBridge:
    """An RSGI application that serves `app` from a small thread pool, complete requests only."""

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

    def __rsgi_init__(self, _loop: Any) -> None:
        return None

    def __rsgi_del__(self, _loop: Any) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Scope, protocol: Any) -> None:
        if scope.proto != "http":  # websockets are switched off; nothing else is served
            return
        headers = scope.headers
        declared = _content_length(headers.get("content-length"))
        try:
            async with asyncio.timeout(self.body_timeout):
                body, size = await self._read_body(protocol, declared)
        except TimeoutError:
            protocol.response_bytes(
                408, _TEXT, f"request body not received within {self.body_timeout:g} s\n".encode()
            )
            return
        except Exception as exc:  # Granian raises its own protocol errors for a malformed body
            protocol.response_bytes(400, _TEXT, f"the request body cannot be read: {exc}\n".encode())
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
        if answer.drop and drop_connection(scope.server, scope.client):
            return
        protocol.response_bytes(answer.status, answer.headers, answer.body)

    async def _read_body(self, protocol: Any, declared: int | None) -> tuple[bytes, int]:
        """The body and its size; an empty body and the size seen once it exceeds `max_body`."""
        if declared is not None:
            if declared > self.max_body:
                return b"", declared
            body: bytes = await protocol()
            return body, len(body)
        chunks: list[bytes] = []
        size = 0
        async for chunk in protocol:
            size += len(chunk)
            if size > self.max_body:
                return b"", size
            chunks.append(chunk)
        return b"".join(chunks), size

    def _environ(self, scope: Scope, headers: Any, body: bytes, size: int) -> dict[str, Any]:
        server_host, _, server_port = scope.server.rpartition(":")
        client_host, _, client_port = scope.client.rpartition(":")
        environ = {
            **self._base,
            "REQUEST_METHOD": scope.method,
            # WSGI carries the path as latin-1 text of its bytes (PEP 3333).
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host.strip("[]"),
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client_host.strip("[]"),
            "REMOTE_PORT": client_port,
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(size),
        }
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name in ("content-length", "transfer-encoding") or "_" in name:
                # The body is read and de-chunked already; a header with "_" could pose as another
                # one in the environ (X_Forwarded vs X-Forwarded), so it is left out as gunicorn does.
                continue
            else:
                key = _HEADER_KEYS.get(name)
                if key is None:
                    key = "HTTP_" + name.upper().replace("-", "_")
                    if len(_HEADER_KEYS) < _HEADER_KEYS_KEPT:
                        _HEADER_KEYS[name] = key
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


def _content_length(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


def drop_connection(server: str, client: str) -> bool:
    """Shut down this process's TCP socket from `client` to `server` ("host:port" each), so the client
    sees the connection close without an answer. Granian owns the socket; Linux's /proc finds it.
    False when it cannot be found (another OS, an address form not handled)."""
    inode = _socket_inode(server, client)
    if inode is None:
        return False
    target = f"socket:[{inode}]"
    fd_dir = Path("/proc/self/fd")
    for entry in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            if os.readlink(entry) == target:
                duplicate = socket.socket(fileno=os.dup(int(entry.name)))
                try:
                    duplicate.shutdown(socket.SHUT_RDWR)
                finally:
                    duplicate.close()
                return True
    return False


def _socket_inode(server: str, client: str) -> str | None:
    local, remote = _proc_address(server), _proc_address(client)
    if local is None or remote is None:
        return None
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                return fields[9]
    return None


def _proc_address(address: str) -> str | None:
    """'127.0.0.1:8080' as /proc/net/tcp writes it: '0100007F:1F90' (IPv4 only)."""
    host, _, port = address.rpartition(":")
    try:
        packed = socket.inet_aton(host)
    except OSError:
        return None
    return f"{int.from_bytes(packed, 'little'):08X}:{int(port):04X}"
