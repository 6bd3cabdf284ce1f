"""mock_server.protocol on a real uvicorn server in this process (uvloop, 127.0.0.1), with short
limits patched in so that each case takes a fraction of a second: the head deadline (first request,
keep-alive, pipelined requests in flight), head limits (parsed fields and a line that never ends),
the connection cap under uvloop, and drop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from mock_server import protocol
from mock_server.bridge import DROP_EXTENSION
from mock_server.serving import bind

HOST = "127.0.0.1"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """`/slow/<seconds>` answers after that long, `/drop` closes without an answer, the rest at once."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    path: str = scope["path"]
    if path == "/drop":
        scope["extensions"][DROP_EXTENSION]()
        return
    if path.startswith("/slow/"):
        await asyncio.sleep(float(path.removeprefix("/slow/")))
    body = path.encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "HEADER_READ_TIMEOUT_S", 0.6)
    monkeypatch.setattr(protocol, "MAX_HEADER_BYTES", 2048)
    monkeypatch.setattr(protocol, "MAX_HEADER_FIELDS", 10)
    monkeypatch.setattr(protocol, "MAX_CONNECTIONS_PER_WORKER", 3)


@contextmanager
def server() -> Iterator[int]:
    sock = bind(HOST, 0)
    config = uvicorn.Config(
        app, http=protocol.HisHttpProtocol, loop="uvloop", lifespan="off", ws="none", log_config=None,
        log_level="warning", access_log=False,
    )  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.started
    try:
        yield sock.getsockname()[1]
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.settimeout(5)
    return sock


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (monotonic)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received, time.monotonic()


@pytest.mark.usefixtures("limits")
def test_a_head_that_trickles_is_cut_off_at_the_deadline_and_a_whole_one_is_served() -> None:
    with server() as port, _connect(port) as slow, _connect(port) as normal:
        started = time.monotonic()
        slow.sendall(b"GET / HTTP/1.1\r\nHo")
        normal.sendall(_get("/ok"))
        assert normal.recv(4096).endswith(b"/ok")
        received, closed = _read_until_closed(slow)
        assert received == b""
        assert 0.5 < closed - started < 3


@pytest.mark.usefixtures("limits")
def test_an_idle_keep_alive_connection_is_closed_after_the_deadline() -> None:
    with server() as port, _connect(port) as sock:
        sock.sendall(_get("/one"))
        assert sock.recv(4096).endswith(b"/one")
        answered = time.monotonic()
        received, closed = _read_until_closed(sock)
        assert received == b"" and 0.5 < closed - answered < 3


@pytest.mark.usefixtures("limits")
def test_a_pipelined_request_in_flight_is_not_cut_off_by_the_head_deadline() -> None:
    with server() as port, _connect(port) as sock:
        # The second call takes longer than the head deadline; its head arrived long before.
        sock.sendall(_get("/slow/0.1") + _get("/slow/1.2"))
        received = b""
        while not received.endswith(b"/slow/1.2"):
            chunk = sock.recv(65536)
            assert chunk, f"closed before the second answer: {received!r}"
            received += chunk
        assert received.count(b"HTTP/1.1 200") == 2


@pytest.mark.usefixtures("limits")
def test_too_many_or_too_large_header_fields_get_431() -> None:
    with server() as port:
        for head in (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(11)) + b"\r\n",
            b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n",
        ):
            with _connect(port) as sock:
                sock.sendall(head)
                received, _closed = _read_until_closed(sock)
                assert received.startswith(b"HTTP/1.1 431"), received[:100]
                assert received.count(b"HTTP/1.1") == 1


@pytest.mark.usefixtures("limits")
def test_a_header_line_that_never_ends_gets_431_long_before_the_deadline() -> None:
    with server() as port, _connect(port) as sock:
        # httptools hands a header over only at its line end; this one has none.
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 3000)
        answer, closed = _read_until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
        assert closed - started < 0.5


@pytest.mark.usefixtures("limits")
def test_a_whole_request_larger_than_the_head_cap_in_one_read_is_served_and_so_is_the_next() -> None:
    with server() as port, _connect(port) as sock:
        body = b"x" * 3000  # more than the patched 2 KiB head cap, but a body
        request = b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        sock.sendall(request + _get("/next"))
        received = b""
        while not received.endswith(b"/next"):
            chunk = sock.recv(65536)
            assert chunk, f"closed early: {received[-200:]!r}"
            received += chunk
        assert received.count(b"HTTP/1.1 200") == 2 and b"431" not in received


@pytest.mark.usefixtures("limits")
def test_a_refused_head_waits_for_the_answer_to_the_request_before_it() -> None:
    with server() as port, _connect(port) as sock:
        too_many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(11)) + b"\r\n"
        sock.sendall(_get("/slow/0.3") + too_many)
        received, _closed = _read_until_closed(sock)
        assert received.startswith(b"HTTP/1.1 200"), received[:100]
        assert b"/slow/0.3" in received and b"HTTP/1.1 431" in received


@pytest.mark.usefixtures("limits")
def test_a_refused_head_waits_for_every_answer_queued_before_it() -> None:
    with server() as port, _connect(port) as sock:
        too_many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(11)) + b"\r\n"
        sock.sendall(_get("/slow/0.3") + _get("/b") + too_many)
        received, _closed = _read_until_closed(sock)
        assert received.count(b"HTTP/1.1 200") == 2 and received.endswith(
            b"request header fields too large\n"
        )
        assert received.index(b"/slow/0.3") < received.index(b"/b") < received.index(b"HTTP/1.1 431")


@pytest.mark.usefixtures("limits")
def test_trailer_fields_of_a_chunked_body_do_not_count_as_head_fields() -> None:
    with server() as port, _connect(port) as sock:
        head = b"POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + b"".join(
            b"X-%d: 1\r\n" % n for n in range(6)
        )
        trailers = b"".join(b"T-%d: 1\r\n" % n for n in range(6))
        sock.sendall(head + b"\r\n5\r\nhello\r\n0\r\n" + trailers + b"\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


@pytest.mark.usefixtures("limits")
def test_connections_over_the_cap_wait_unread_until_one_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "HEADER_READ_TIMEOUT_S", 5.0)  # the served ones stay open meanwhile
    with server() as port:
        served = [_connect(port) for _ in range(3)]
        for sock in served:
            sock.sendall(_get("/in"))
            assert sock.recv(4096).endswith(b"/in")
        waiting = _connect(port)
        waiting.sendall(_get("/waiting"))
        waiting.settimeout(0.3)
        with pytest.raises(TimeoutError):
            waiting.recv(4096)
        served[0].close()
        waiting.settimeout(5)
        assert waiting.recv(4096).endswith(b"/waiting")
        for sock in [*served[1:], waiting]:
            sock.close()


@pytest.mark.usefixtures("limits")
def test_drop_closes_the_connection_without_an_answer() -> None:
    with server() as port, _connect(port) as sock:
        sock.sendall(_get("/drop"))
        received, _closed = _read_until_closed(sock)
        assert received == b""
