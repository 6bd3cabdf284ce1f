"""A raw TCP server on 127.0.0.1 for answers below HTTP's level (garbage, resets, trickles, TLS bytes)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

Handler = Callable[[socket.socket], None]


@contextlib.contextmanager
def raw_server(handler: Handler, *, read_first: bool = True) -> Iterator[tuple[str, list[bytes]]]:
    """A TCP server on 127.0.0.1 that hands each connection to `handler`; yields (URL, requests seen).

    With `read_first` the request is read before `handler` runs (and recorded); without, the
    handler gets the connection as it is (to wrap it in TLS first).
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    def handle(connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection:
            connection.settimeout(10)
            if not read_first:
                handler(connection)
                return
            request = read_request(connection)
            if request:
                seen.append(request)
                handler(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += connection.recv(65536)
    return data


def answer(status: bytes, headers: dict[str, str], body: bytes) -> Handler:
    def handle(connection: socket.socket) -> None:
        head = (
            b"HTTP/1.1 " + status + b"\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
        )
        connection.sendall(head + b"\r\n" + body)

    return handle
