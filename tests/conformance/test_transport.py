"""The transport on real sockets: one total deadline, bounded decoding, named problems, the URL guard."""

from __future__ import annotations

import contextlib
import gzip
import shutil
import socket
import ssl
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator

import pytest

from conformance.errors import ForbiddenRequest, RunTimeUp, UnsendableRequest
from conformance.http import MAX_BODY_BYTES, Problem, Transport, is_forbidden, join_url
from tests.support.rawserver import Handler, answer, raw_server, read_request

SETTLE = "/api/MzSettle/SettleByDoctor"


_OPEN: list[Transport] = []


def transport(url: str, *, timeout: float = 1.0, **kwargs: object) -> Transport:
    sender = Transport(base_url=url, timeout=timeout, max_requests=100, **kwargs)  # type: ignore[arg-type]
    _OPEN.append(sender)
    return sender


@pytest.fixture(autouse=True)
def _close_transports() -> Iterator[None]:
    """Close every transport a test opened (its kept-alive connections would leak otherwise)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def test_a_trickled_body_is_cut_at_the_deadline_with_what_arrived() -> None:
    def trickle(connection: socket.socket) -> None:
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(40):
            connection.sendall(b"[")
            time.sleep(0.1)

    with raw_server(trickle) as (url, _):
        started = time.monotonic()
        exchange = transport(url).send("login", "/api/Login/Token", headers={}, body=b"{}")
        elapsed = time.monotonic() - started

    assert exchange.problem is Problem.TIMEOUT
    assert 0.9 < elapsed < 3.0
    assert exchange.response is not None and 3 <= len(exchange.response.body) <= 20
    assert (
        exchange.arrived.startswith("HTTP 200 and its headers, then ")
        and "of 100000 body bytes" in exchange.arrived
    )


def test_trickled_headers_are_cut_at_the_deadline_with_the_bytes_so_far() -> None:
    def trickle(connection: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 100:
            connection.sendall(bytes([byte]))
            time.sleep(0.05)

    with raw_server(trickle) as (url, _):
        started = time.monotonic()
        exchange = transport(url).send("login", "/api/Login/Token", headers={}, body=b"{}")

    assert exchange.problem is Problem.TIMEOUT and exchange.response is None
    assert time.monotonic() - started < 3.0
    assert exchange.partial.startswith(b"HTTP/1.1 200 OK")
    assert "no complete status line and headers" in exchange.arrived


def test_a_gzip_bomb_stops_at_the_decoded_size_cap() -> None:
    bomb = gzip.compress(b"\0" * (3 * MAX_BODY_BYTES))
    headers = {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}

    with raw_server(answer(b"200 OK", headers, bomb)) as (url, _):
        exchange = transport(url, timeout=10).send("login", "/api/Login/Token", headers={}, body=b"{}")

    assert exchange.problem is Problem.TOO_LARGE
    assert exchange.response is not None and len(exchange.response.body) == MAX_BODY_BYTES


@pytest.mark.parametrize(
    "encoded",
    [zlib.compress(b'{"status": 0}'), zlib.compress(b'{"status": 0}')[2:-4], gzip.compress(b'{"status": 0}')],
    ids=["zlib-deflate", "raw-deflate", "gzip"],
)
def test_compressed_bodies_are_decoded(encoded: bytes) -> None:
    coding = "gzip" if encoded.startswith(b"\x1f\x8b") else "deflate"
    headers = {"Content-Encoding": coding, "Content-Length": str(len(encoded))}

    with raw_server(answer(b"200 OK", headers, encoded)) as (url, _):
        exchange = transport(url).send("login", "/api/Login/Token", headers={}, body=b"{}")

    assert exchange.problem is None and exchange.response is not None
    assert exchange.response.body == b'{"status": 0}'


def test_connections_are_kept_alive_and_reused() -> None:
    connections: list[int] = []

    def keep_alive(connection: socket.socket) -> None:
        connections.append(1)
        body = b'{"status": 0}'
        reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        connection.sendall(reply)
        while read_request(connection):
            connection.sendall(reply)

    with raw_server(keep_alive) as (url, seen):
        sender = transport(url)
        exchanges = [sender.send("login", "/api/Login/Token", headers={}, body=b"{}") for _ in range(3)]
        sender.close()

    assert [exchange.problem for exchange in exchanges] == [None, None, None]
    assert len(connections) == 1 and len(seen) == 1  # `seen` counts the first request of a connection


@pytest.mark.parametrize(
    ("handler", "problem", "detail"),
    [
        (
            lambda connection: connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
            Problem.NOT_HTTP,
            "status line",
        ),
        (
            lambda connection: connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            ),
            Problem.RESET,
            "",
        ),
        (lambda connection: None, Problem.RESET, "closed without a response"),
    ],
    ids=["not-http", "tcp-reset", "closed"],
)
def test_broken_answers_are_named(handler: Handler, problem: Problem, detail: str) -> None:
    with raw_server(handler) as (url, _):
        exchange = transport(url).send("login", "/api/Login/Token", headers={}, body=b"{}")

    assert exchange.problem is problem, exchange
    assert detail in exchange.detail


def test_a_refused_connection_is_named() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    exchange = transport(f"http://127.0.0.1:{port}").send("login", "/api/Login/Token", headers={}, body=None)

    assert exchange.problem is Problem.REFUSED


def test_the_guard_checks_the_final_url_however_the_base_url_is_spelled() -> None:
    with raw_server(answer(b"200 OK", {"Content-Length": "0"}, b"")) as (url, seen):
        for base in (
            f"{url}{SETTLE}?x=",
            f"{url}/API//mzsettle/./SettleByDoctor/#",
            f"{url}/x/api/MzSettle/Settle%42yDoctor",
        ):
            sender = transport(base, forbidden_paths=frozenset({SETTLE}))
            with pytest.raises(ForbiddenRequest):
                sender.send("login", "/api/Login/Token", headers={}, body=b'{"password": "secret"}')
        transport(url, forbidden_paths=frozenset({SETTLE})).send(
            "login", "/api/Login/Token", headers={}, body=b"{}"
        )

    assert len(seen) == 1 and seen[0].startswith(b"POST /api/Login/Token ")
    assert join_url(f"{url}/prefix/", "/api/Login/Token") == f"{url}/prefix/api/Login/Token"
    assert not is_forbidden(f"{url}/api/MzSettle/GetUnSettleBillByDoctor", frozenset({SETTLE}))


def test_the_run_deadline_stops_sending_without_a_timeout_finding() -> None:
    def slow(connection: socket.socket) -> None:
        time.sleep(2)

    with raw_server(slow) as (url, _):
        sender = transport(url, timeout=5, run_deadline=time.monotonic() + 0.5)
        started = time.monotonic()
        with pytest.raises(RunTimeUp):
            sender.send("login", "/api/Login/Token", headers={}, body=b"{}")
        assert time.monotonic() - started < 1.5
        with pytest.raises(RunTimeUp):
            sender.send("login", "/api/Login/Token", headers={}, body=b"{}")


def test_a_request_http_cannot_carry_is_refused_before_the_wire() -> None:
    with raw_server(answer(b"200 OK", {"Content-Length": "0"}, b"")) as (url, seen):
        sender = transport(url)
        with pytest.raises(UnsendableRequest):
            sender.send("login", "/api/Login/Token", headers={"X-Bad": "a\r\nInjected: 1"}, body=b"{}")
        with pytest.raises(UnsendableRequest):
            sender.send("login", "/api/Login/Token", headers={"X-Name": "张伟"}, body=b"{}")
        assert sender.send("login", "/api/Login/Token", headers={}, body=b"{}").problem is None

    assert len(seen) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (cert file, key file), made by the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_https_verifies_the_certificate(certificate: tuple[str, str], trusted: bool) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    body = b'{"status": 0}'

    def tls(connection: socket.socket) -> None:
        with (
            contextlib.suppress(ssl.SSLError, OSError),
            server_context.wrap_socket(connection, server_side=True) as wrapped,
        ):
            read_request(wrapped)
            wrapped.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    client = ssl.create_default_context(cafile=cert) if trusted else ssl.create_default_context()
    with raw_server(tls, read_first=False) as (url, _):
        exchange = transport(url.replace("http://", "https://"), tls_context=client).send(
            "login", "/api/Login/Token", headers={}, body=b"{}"
        )

    if trusted:
        assert exchange.problem is None and exchange.response is not None and exchange.response.body == body
    else:
        assert exchange.problem is Problem.TLS and "CERTIFICATE_VERIFY_FAILED" in exchange.detail
