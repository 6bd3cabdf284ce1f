"""The ASGI bridge in process (no server): what the WSGI app sees, and what the client is sent,
for bodies in pieces, bodies too large, clients that go away or stall, drops and moved calls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

import pytest

from mock_server.bridge import DROP_CONNECTION, DROP_EXTENSION, INLINE, AsgiBridge, RunOnThread

Environ = dict[str, Any]


class Recorder:
    """A WSGI app that keeps the environ and body it got and answers `body` (without a length)."""

    def __init__(self, body: bytes = b"ok", *, drop: bool = False, move: bool = False) -> None:
        self.body = body
        self.drop = drop
        self.move = move
        self.environ: Environ = {}
        self.received = b""
        self.thread = ""

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        if self.move and environ.get(INLINE):
            raise RunOnThread({"moved": True})
        self.environ = environ
        self.received = environ["wsgi.input"].read()
        self.thread = threading.current_thread().name
        if self.drop:
            environ[DROP_CONNECTION]()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [self.body]


def _scope(
    headers: list[tuple[bytes, bytes]], *, raw_path: bytes = b"/api/x", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": b"a=1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
        **extra,
    }


def _run(
    app: Recorder,
    scope: dict[str, Any],
    messages: list[dict[str, Any]],
    *,
    max_body: int = 1024,
    body_timeout: float = 5.0,
    inline: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """Call the bridge; the messages it sent, and how many times it called `receive`."""
    bridge = AsgiBridge(
        app, threads=1, max_body=max_body, body_timeout=body_timeout, multiprocess=False,
        inline=lambda _environ: inline,
    )  # fmt: skip
    sent: list[dict[str, Any]] = []
    calls = 0

    async def receive() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if not messages:
            await asyncio.sleep(3600)  # a client that sends no more
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(bridge(scope, receive, send))
    return sent, calls


def _headers(sent: list[dict[str, Any]]) -> dict[bytes, bytes]:
    return dict(sent[0]["headers"])


def test_a_body_in_pieces_reaches_the_app_whole_with_a_wsgi_environ() -> None:
    app = Recorder()
    headers = [
        (b"content-type", b"application/json"),
        (b"x-trace", b"one"),
        (b"x-trace", b"two"),
        (b"x_forwarded_for", b"1.2.3.4"),  # could pose as X-Forwarded-For: left out
        (b"transfer-encoding", b"chunked"),
    ]
    pieces = [
        {"type": "http.request", "body": b'{"RegNo":', "more_body": True},
        {"type": "http.request", "body": b'"1"}', "more_body": False},
    ]
    sent, _calls = _run(app, _scope(headers, raw_path=b"/api/%E6%8C%82"), pieces)
    assert app.received == b'{"RegNo":"1"}'
    environ = app.environ
    assert environ["CONTENT_LENGTH"] == "13"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["HTTP_X_TRACE"] == "one,two"
    assert "HTTP_X_FORWARDED_FOR" not in environ and "HTTP_TRANSFER_ENCODING" not in environ
    assert environ["PATH_INFO"] == "/api/" + "挂".encode().decode("latin-1")  # decoded bytes (PEP 3333)
    assert environ["QUERY_STRING"] == "a=1"
    assert (environ["REMOTE_ADDR"], environ["SERVER_PORT"]) == ("127.0.0.1", "8080")
    assert sent[0]["status"] == 200
    # The app set no length; the bridge has the whole body and gives one (no chunked answer).
    assert _headers(sent)[b"content-length"] == b"2"
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}


def test_a_declared_body_over_the_limit_is_not_read_and_the_connection_closes() -> None:
    app = Recorder()
    sent, calls = _run(app, _scope([(b"content-length", b"5000")]), [], max_body=1024)
    assert calls == 0
    assert app.received == b"" and app.environ["CONTENT_LENGTH"] == "5000"
    assert _headers(sent)[b"connection"] == b"close"


def test_a_streamed_body_over_the_limit_stops_being_read() -> None:
    app = Recorder()
    pieces = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(5)]
    sent, calls = _run(app, _scope([]), pieces, max_body=1024)
    assert calls == 2  # 1200 bytes seen: no more read
    assert app.received == b"" and app.environ["CONTENT_LENGTH"] == "1200"
    assert _headers(sent)[b"connection"] == b"close"


def test_a_client_that_goes_away_mid_body_is_sent_nothing() -> None:
    app = Recorder()
    pieces = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
    sent, _calls = _run(app, _scope([]), pieces)
    assert sent == [] and app.environ == {}


def test_a_body_that_stalls_gets_408_and_the_app_never_runs() -> None:
    app = Recorder()
    pieces = [{"type": "http.request", "body": b"{", "more_body": True}]
    sent, _calls = _run(app, _scope([]), pieces, body_timeout=0.05)
    assert sent[0]["status"] == 408
    assert _headers(sent)[b"connection"] == b"close"
    assert app.environ == {}


def test_a_drop_closes_through_the_protocol_and_sends_nothing() -> None:
    dropped: list[bool] = []
    app = Recorder(drop=True)
    scope = _scope([], extensions={DROP_EXTENSION: lambda: dropped.append(True)})
    sent, _calls = _run(app, scope, [{"type": "http.request", "body": b""}])
    assert dropped == [True] and sent == []


def test_a_drop_under_another_server_is_answered() -> None:
    app = Recorder(b"", drop=True)
    sent, _calls = _run(app, _scope([]), [{"type": "http.request", "body": b""}])
    assert sent[0]["status"] == 200 and sent[1]["body"] == b""


@pytest.mark.parametrize("inline", [True, False])
def test_a_call_moved_off_the_loop_runs_on_a_pool_thread_with_its_updates(inline: bool) -> None:
    app = Recorder(move=True)
    _sent, _calls = _run(app, _scope([]), [{"type": "http.request", "body": b"{}"}], inline=inline)
    assert app.thread.startswith("his-mock")
    assert app.environ.get("moved") is (True if inline else None)
    assert app.environ[INLINE] is False if inline else INLINE not in app.environ
