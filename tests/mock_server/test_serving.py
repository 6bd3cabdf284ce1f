"""The serving layer against a real his-mock, one process and `--workers 2`: slow clients, kill -9 of
workers under load, hostile bodies (nesting, encodings, chunked garbage, sizes), the admin API's
limits, header limits, and `Bearer T ` answered alike in every mode."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from his_contract import MAX_DEPTH
from mock_server.admin import MAX_ADMIN_BODY_BYTES
from mock_server.serving import BODY_READ_TIMEOUT_S, HEADER_READ_TIMEOUT_MS
from tests.support.mock import DEMO_REG_NO, demo_settle_body, login, start_mock
from tests.support.servers import HOST, RunningServer, child_pids, listening_pids

LOGIN = "/api/Login/Token"
BILL = "/api/MzSettle/GetUnSettleBillByDoctor"
SETTLE = "/api/MzSettle/SettleByDoctor"
JSON = {"Content-Type": "application/json"}


@dataclass
class Served:
    server: RunningServer
    workers: int
    token: str

    @property
    def url(self) -> str:
        return self.server.base_url

    def post(
        self, path: str, data: bytes, headers: dict[str, str] | None = None, **kw: Any
    ) -> requests.Response:
        sent = {**JSON, "Authorization": f"Bearer {self.token}", **(headers or {})}
        return requests.post(self.url + path, data=data, headers=sent, timeout=10, **kw)

    def envelope(self, path: str, data: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.post(path, data, headers)
        assert response.status_code < 500, response.text
        document = response.json()
        assert isinstance(document, dict)
        return document

    def workers_ready(self) -> list[int]:
        return listening_pids(child_pids(self.server.process.pid), self.server.port)


@pytest.fixture(scope="module", params=[1, 2], ids=["one-process", "two-workers"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    workers: int = request.param
    with start_mock(extra_args=("--workers", str(workers))) as server:
        served = Served(server, workers, login(server.base_url))
        _wait_for_workers(served, workers)
        yield served


def _wait_for_workers(served: Served, count: int, timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = served.workers_ready()
        if len(ready) >= count:
            return ready
        time.sleep(0.02)
    raise AssertionError(
        f"{count} workers were not listening within {timeout} s:\n{served.server.log()[-3000:]}"
    )


def _raw(port: int, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Send `data` on a fresh connection and read until the server closes it or `timeout`."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return received


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# --- slow clients ------------------------------------------------------------------------------


@pytest.mark.slow
def test_slow_clients_neither_stop_a_normal_client_nor_stay_forever(served: Served) -> None:
    port = served.server.port
    header_timeout = HEADER_READ_TIMEOUT_MS / 1000
    started = time.monotonic()
    # 32 connections that send their request head at one byte a second, 4 that declare a longer
    # body than they send: each would hold a thread of a thread-per-connection server.
    trickling = [socket.create_connection((HOST, port)) for _ in range(32)]
    short_bodies = [socket.create_connection((HOST, port)) for _ in range(4)]
    for sock in short_bodies:
        sock.sendall(f"POST {BILL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode())
        sock.sendall(f'Authorization: Bearer {served.token}\r\nContent-Length: 100\r\n\r\n{{"RegNo'.encode())
    head = f"POST {BILL} HTTP/1.1\r\nHost: x\r\nX-Slow: {'z' * 200}".encode()
    stop = threading.Event()
    closed_after: dict[int, float] = {}

    def trickle() -> None:
        sent = 0
        while not stop.is_set() and sent < len(head):
            for index, sock in enumerate(trickling):
                if index in closed_after:
                    continue
                try:
                    sock.sendall(head[sent : sent + 1])
                except OSError:
                    closed_after[index] = time.monotonic() - started
            sent += 1
            stop.wait(1.0)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    latencies: list[float] = []
    body = json.dumps({"RegNo": DEMO_REG_NO}).encode()
    try:
        with requests.Session() as session:
            # A normal client, served all along: until the slow ones were cut off and a little longer.
            while time.monotonic() - started < max(header_timeout, BODY_READ_TIMEOUT_S) + 1.5:
                call = time.monotonic()
                answer = session.post(
                    served.url + BILL,
                    data=body,
                    headers={**JSON, "Authorization": f"Bearer {served.token}"},
                    timeout=10,
                )
                latencies.append(time.monotonic() - call)
                assert answer.status_code == 200
                assert answer.json()["status"] == 0
                time.sleep(0.02)
        # The declared-but-missing bodies got the server layer's 408 once BODY_READ_TIMEOUT_S passed.
        for sock in short_bodies:
            sock.settimeout(5)
            assert sock.recv(4096).startswith(b"HTTP/1.1 408")
        # The trickling heads were cut off at the header deadline (reads see the close).
        for index, sock in enumerate(trickling):
            if index not in closed_after:
                sock.settimeout(5)
                with pytest.raises((ConnectionResetError, BrokenPipeError, AssertionError)):
                    assert sock.recv(1) != b""
    finally:
        stop.set()
        trickler.join(timeout=5)
        for sock in trickling + short_bodies:
            sock.close()
    latencies.sort()
    # Wide margins: the machine is shared; a server that spends a thread per slow client would not
    # answer at all (or only after the slow ones time out, 10 s).
    assert len(latencies) >= 50
    assert latencies[len(latencies) // 2] < 0.25, latencies
    assert latencies[-1] < 3.0, latencies[-5:]


# --- kill -9 -----------------------------------------------------------------------------------


@dataclass
class Load:
    """Clients that call the mock on fresh connections until stopped; every call is recorded."""

    served: Served
    settle_from: int
    settle_count: int
    # (started, ended, "bill" | "settle" | "unanswered", (HTTP status, envelope, bill number) or why)
    calls: list[tuple[float, float, str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _next: int = 0

    def run(self, client: int) -> None:
        body = json.dumps({"RegNo": DEMO_REG_NO}).encode()
        while not self.stop.is_set():
            settle = client == 0 and self._next < self.settle_count
            number = self._next
            if settle:
                self._next += 1
            started = time.monotonic()
            try:
                if settle:
                    data = json.dumps(_fresh_settle_body(self.settle_from + number)).encode()
                    answer = self.served.post(SETTLE, data, headers={"Connection": "close"})
                else:
                    answer = self.served.post(BILL, body, headers={"Connection": "close"})
                outcome: Any = (answer.status_code, answer.json(), self.settle_from + number)
                kind = "settle" if settle else "bill"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                # Refused, reset, or an answer cut short by the kill (its head sent, its body not).
                outcome, kind = repr(exc), "unanswered"
            self.calls.append((started, time.monotonic(), kind, outcome))
            self.stop.wait(0.005)  # load, not a flood: the machine also has to respawn workers


def _fresh_settle_body(n: int) -> dict[str, str]:
    return demo_settle_body(RegSerNo=f"{n}", BILLID=f"B{n}", CardNo=f"C{n}", SerialNumber=f"S{n}")


def _load_fresh_bills(served: Served, first: int, count: int) -> None:
    bill = requests.get(served.url + "/__admin/registrations", timeout=10).json()[0]
    batch = [
        {**bill, "RegNo": str(n), "CardNo": f"C{n}", "bill": {**bill["bill"], "BILLID": f"B{n}"}}
        for n in range(first, first + count)
    ]
    answer = requests.put(served.url + "/__admin/registrations", json=batch, timeout=60)
    assert answer.status_code == 200, answer.text


@pytest.mark.slow
def test_kill_9_of_workers_under_load_leaves_every_later_call_answered(served: Served) -> None:
    kills = 20 if served.workers > 1 else 4
    first = 80_000_000 + served.workers * 1_000_000
    _load_fresh_bills(served, first, 2000)
    load = Load(served, first, 2000)
    clients = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(3)]
    for client in clients:
        client.start()
    windows: list[tuple[float, float]] = []
    try:
        time.sleep(0.3)
        for number in range(kills):
            ready = _wait_for_workers(served, served.workers)
            victim = ready[number % len(ready)]
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            # Wait until a replacement listens (the victim's pid is gone from the ready ones).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                now_ready = served.workers_ready()
                if victim not in now_ready and len(now_ready) >= served.workers:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(f"no replacement for worker {victim}:\n{served.server.log()[-3000:]}")
            windows.append((killed_at, time.monotonic()))
            time.sleep(0.1)  # calls between kills, all of which must be answered
    finally:
        load.stop.set()
        for client in clients:
            client.join(timeout=15)

    def near_a_kill(started: float, ended: float) -> bool:
        for killed_at, replaced_at in windows:
            # Two workers: only a call in flight at the kill (or routed to the dying socket within
            # 0.3 s) may go unanswered. One worker: nobody listens until the replacement does.
            until = killed_at + 0.3 if served.workers > 1 else replaced_at + 0.3
            if started <= until and ended >= killed_at:
                return True
        return False

    unanswered = [call for call in load.calls if call[2] == "unanswered"]
    assert all(near_a_kill(started, ended) for started, ended, _kind, _why in unanswered), unanswered[:5]
    answered = [call for call in load.calls if call[2] != "unanswered"]
    assert len(answered) > 10 * kills
    for _started, _ended, _kind, (http, envelope, _number) in answered:
        assert http == 200, envelope
        assert envelope["status"] == 0, envelope
    # Every receipt answered is a settlement in the database, and no bill was settled twice.
    settlements = requests.get(served.url + "/__admin/settlements", timeout=30).json()
    by_bill: dict[str, list[str]] = {}
    for settlement in settlements:
        by_bill.setdefault(settlement["BILLID"], []).append(settlement["SerialNumber"])
    assert all(len(serials) == 1 for serials in by_bill.values())
    receipts = [number for _s, _e, kind, (_h, _env, number) in answered if kind == "settle"]
    assert receipts
    for number in receipts:
        assert by_bill[f"B{number}"] == [f"S{number}"]
    # And the server is whole: every worker back, the admin API answering.
    assert len(_wait_for_workers(served, served.workers)) == served.workers
    assert requests.get(served.url + "/__admin/faults", timeout=10).status_code == 200


def test_a_delayed_call_holds_no_other_call(served: Served) -> None:
    """An injected delay waits on a pool thread, not on the event loop that serves everyone else."""
    fault = {"operation": "getUnSettleBillByDoctor", "kind": "delay", "delayMs": 1500}
    assert requests.post(served.url + "/__admin/faults", json=fault, timeout=10).status_code == 201
    body = json.dumps({"RegNo": DEMO_REG_NO}).encode()
    delayed: list[float] = []

    def call_delayed() -> None:
        started = time.monotonic()
        assert served.envelope(BILL, body)["status"] == 0
        delayed.append(time.monotonic() - started)

    thread = threading.Thread(target=call_delayed)
    thread.start()
    time.sleep(0.3)  # the delayed call has taken the fault by now
    started = time.monotonic()
    for _ in range(5):
        assert served.envelope(LOGIN, b'{"userId": "demo", "password": "demo"}')["status"] == 0
    others = time.monotonic() - started
    thread.join(timeout=10)
    assert delayed and delayed[0] >= 1.4
    assert others < 1.0, others


# --- hostile bodies ----------------------------------------------------------------------------


def test_nesting_at_the_limit_is_read_and_beyond_is_status_5(served: Served) -> None:
    at_limit = f'{{"RegNo": "{DEMO_REG_NO}", "extra": {_nested(MAX_DEPTH - 1)}}}'.encode()
    assert served.envelope(BILL, at_limit)["status"] == 0
    beyond = f'{{"RegNo": "{DEMO_REG_NO}", "extra": {_nested(MAX_DEPTH)}}}'.encode()
    envelope = served.envelope(BILL, beyond)
    assert envelope["status"] == 5
    assert f"上限 {MAX_DEPTH} 层" in envelope["msg"]
    assert envelope["msgDev"].startswith("depth:")


@pytest.mark.parametrize("depth", [975, 100_000])
def test_deep_nesting_without_a_token_is_status_5_never_500(served: Served, depth: int) -> None:
    login_body = f'{{"userId": "demo", "password": "demo", "pad": {_nested(depth)}}}'.encode()
    answer = requests.post(served.url + LOGIN, data=login_body, headers=JSON, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["status"] == 5
    array = ("[" * depth + "]" * depth).encode()
    assert requests.post(served.url + LOGIN, data=array, headers=JSON, timeout=10).json()["status"] == 5


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        ("\ufeff" + '{"RegNo": "1628214442"}', None, "UTF-8 byte-order mark"),
        ('{"RegNo": "1628214442"}', "utf-16", "UTF-16 LE byte-order mark"),
        ('{"RegNo": "1628214442"}', "utf-16-be", "UTF-16 or UTF-32"),
        ('{"RegNo": "1628214442"}', "utf-32-le", "UTF-16 or UTF-32"),
        ('{"RegNo": "1628214442", "x": "挂号"}', "gbk", "not UTF-8"),
    ],
    ids=["bom", "utf16-bom", "utf16be", "utf32", "gbk-bytes"],
)
def test_only_utf8_bodies(served: Served, data: str, content_type: str | None, reason: str) -> None:
    raw = data.encode(content_type or "utf-8")
    envelope = served.envelope(BILL, raw)
    assert envelope["status"] == 5
    assert envelope["msg"] == "入参参数错误：请求体不是 UTF-8 编码的 JSON"
    assert reason in envelope["msgDev"]


@pytest.mark.parametrize("charset", ["gbk", "utf-16", "latin-1"])
def test_a_declared_charset_other_than_utf8_is_status_5(served: Served, charset: str) -> None:
    envelope = served.envelope(
        BILL, b'{"RegNo": "1628214442"}', headers={"Content-Type": f"application/json; charset={charset}"}
    )
    assert envelope["status"] == 5
    assert f"charset={charset}" in envelope["msgDev"]
    ok = {"Content-Type": "application/json; charset=UTF-8"}
    assert served.envelope(BILL, b'{"RegNo": "1628214442"}', headers=ok)["status"] == 0


def test_a_malformed_chunked_body_is_a_short_400_or_status_5(served: Served) -> None:
    head = (
        f"POST {BILL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {served.token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    for garbage in (
        b"zz\r\nabc\r\n0\r\n\r\n",
        b"5\r\nab\r\n0\r\n\r\n",
        b"-1\r\n\r\n",
        b"ffffffffffffffffff\r\n",
    ):
        answer = _raw(served.server.port, head + garbage)
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 200 OK"), answer[:300]
        if status_line.endswith(b"200 OK"):
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["status"] == 5
    body = b'{"RegNo": "1628214442"}'
    good = head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    assert json.loads(_raw(served.server.port, good).split(b"\r\n\r\n", 1)[1])["status"] == 0


def test_a_huge_declared_body_is_refused_unread(served: Served) -> None:
    head = (
        f"POST {BILL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {served.token}\r\nContent-Length: 200000000\r\n\r\n"
    ).encode()
    answer = _raw(served.server.port, head + b'{"RegNo"', timeout=5)
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["status"] == 5
    assert "请求体过大" in json.loads(answer.split(b"\r\n\r\n", 1)[1])["msg"]


def test_a_trailing_blank_after_the_token_is_answered_alike(served: Served) -> None:
    body = b'{"RegNo": "1628214442"}'
    for value in (f"Bearer {served.token} ", f"Bearer {served.token}"):
        assert served.envelope(BILL, body, headers={"Authorization": value})["status"] == 0
    assert served.envelope(BILL, body, headers={"Authorization": "Bearer T "})["status"] == 1


def test_malformed_http_gets_the_server_layers_short_400(served: Served) -> None:
    for garbage in (
        b"GARBAGE\r\n\r\n",
        b"POST /api/Login/Token HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ):
        assert _raw(served.server.port, garbage, timeout=5).startswith(b"HTTP/1.1 400"), garbage


def test_header_limits(served: Served) -> None:
    assert requests.get(served.url + "/openapi.yaml", headers={"X-Big": "a" * 8000}, timeout=10).ok
    answer = _raw(
        served.server.port, b"GET /openapi.yaml HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 431")
    many = b"".join(b"X-%d: a\r\n" % n for n in range(150))
    assert _raw(served.server.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").startswith(
        b"HTTP/1.1 431"
    )


# --- the admin API's limits --------------------------------------------------------------------


def test_admin_body_limits(served: Served) -> None:
    url = served.url + "/__admin/faults"
    too_big = (
        b'{"operation": "login", "kind": "delay", "delayMs": 1, "pad": "'
        + b"x" * MAX_ADMIN_BODY_BYTES
        + b'"}'
    )
    answer = requests.post(url, data=too_big, timeout=30)
    assert answer.status_code == 413
    assert "exceeds" in answer.json()["error"]
    head = b"PUT /__admin/registrations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    head += b"Content-Length: 900000000\r\n\r\n"
    assert _raw(served.server.port, head + b"[", timeout=5).startswith(b"HTTP/1.1 413")
    deep = requests.post(url, data=_nested(MAX_DEPTH + 1).encode(), timeout=10)
    assert deep.status_code == 400
    assert "levels" in deep.json()["error"]
    very_deep = requests.put(
        served.url + "/__admin/registrations", data=b"[" * 50_000 + b"]" * 50_000, timeout=10
    )
    assert very_deep.status_code == 400
    utf16 = requests.post(
        served.url + "/__admin/token", data='{"userId": "demo"}'.encode("utf-16"), timeout=10
    )
    assert utf16.status_code == 400
    assert "byte-order mark" in utf16.json()["error"]
    assert requests.get(url, timeout=10).json() == []


# --- the supervisor ------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_of_the_supervisor_leaves_no_worker_holding_the_port(workers: int) -> None:
    with start_mock(extra_args=("--workers", str(workers))) as server:
        served = Served(server, workers, login(server.base_url))
        ready = _wait_for_workers(served, workers)
        os.kill(server.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in ready):
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in ready), f"workers {ready} outlived their supervisor"
        # Nobody listens on the port any more: a new server can take it.
        with pytest.raises(OSError):
            socket.create_connection((HOST, server.port), timeout=2).close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be read
