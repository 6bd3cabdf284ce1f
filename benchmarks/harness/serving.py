"""The serving comparison: the same his-mock app under several HTTP servers, side by side.

Judged first by slow-client resistance: while `SLOW_CLIENTS` connections send their request head at
one byte a second and `SHORT_BODIES` more have sent a head whose Content-Length their body never
reaches, one normal client (wrk, 1 connection) measures what it gets (req/s, p99, and whether it got
anything at all). Then throughput and p99 at 1 and 10 connections without them.
`his-mock` is the chosen one (uvicorn's httptools protocol with mock_server.protocol's limits, and
mock_server.bridge); the others serve
`contender_app.py`, the same app, with the workers and threads each server is normally run with.
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.http import success_response
from harness.load import LoadRun, run_wrk
from harness.processes import HOST, Server, ServerPool, free_port

SLOW_CLIENTS = 50
SHORT_BODIES = 10
BILL_PATH = "/api/MzSettle/GetUnSettleBillByDoctor"
LOGIN_PATH = "/api/Login/Token"
BILL_BODY = json.dumps({"RegNo": "1628214442"})
CONNECTIONS = (1, 10)


@dataclass(slots=True, frozen=True)
class Contender:
    """A server for the comparison: its name, what it is, and how to start it on a port."""

    name: str
    description: str
    argv: Callable[[int, int], list[str]]  # (port, workers) -> argv


def contenders(bench_dir: Path) -> list[Contender]:
    python = sys.executable
    app = "contender_app:app"
    return [
        Contender(
            "his-mock (uvicorn httptools + bridge)",
            "his-mock --workers N: heads read under a 10 s deadline by uvicorn's httptools protocol"
            " (mock_server.protocol), bodies by the bridge, HIS calls on the event loop's thread",
            lambda port, workers: [
                python, "-m", "mock_server", "--host", HOST, "--port", str(port), "--workers", str(workers),
                "--db", "{db}",
            ],
        ),
        Contender(
            "granian ASGI + bridge",
            "granian --interface asgi with the same bridge (his-mock's serving before, then over RSGI):"
            " Rust reads heads (10 s deadline) and hands each call to the Python event loop and back",
            lambda port, workers: [
                python, "-m", "granian", "--interface", "asgi", "--host", HOST, "--port", str(port),
                "--workers", str(workers), "--http", "1", "--no-ws", "--loop", "uvloop",
                "--http1-header-read-timeout", "10000", "--log-level", "warning",
                "--working-dir", str(bench_dir), "contender_app:asgi_app",
            ],
        ),
        Contender(
            "granian WSGI",
            "granian --interface wsgi, 4 blocking threads per worker (the body is read on those threads)",
            lambda port, workers: [
                python, "-m", "granian", "--interface", "wsgi", "--host", HOST, "--port", str(port),
                "--workers", str(workers), "--blocking-threads", "4", "--http", "1", "--no-ws",
                "--log-level", "warning", "--working-dir", str(bench_dir), app,
            ],
        ),
        Contender(
            "gunicorn gthread",
            "gunicorn -k gthread --threads 2 (his-mock's serving before): a thread per connection",
            lambda port, workers: [
                python, "-m", "gunicorn", "--chdir", str(bench_dir), "--bind", f"{HOST}:{port}",
                "--workers", str(workers), "--worker-class", "gthread", "--threads", "2",
                "--keep-alive", "5", app,
            ],
        ),
        Contender(
            "gunicorn gevent",
            "gunicorn -k gevent: a greenlet per connection, no head deadline",
            lambda port, workers: [
                python, "-m", "gunicorn", "--chdir", str(bench_dir), "--bind", f"{HOST}:{port}",
                "--workers", str(workers), "--worker-class", "gevent", "--worker-connections", "1000",
                "--keep-alive", "5", app,
            ],
        ),
        Contender(
            "waitress",
            "waitress-serve --threads 4: one process; its asyncore loop buffers whole requests",
            lambda port, _workers: [
                python, "-m", "waitress", f"--listen={HOST}:{port}", "--threads=4", "--channel-timeout=10",
                app,
            ],
        ),
    ]  # fmt: skip


@contextmanager
def slow_clients(
    port: int, count: int = SLOW_CLIENTS, short_bodies: int = SHORT_BODIES
) -> Iterator[list[socket.socket]]:
    """`count` connections that send a request head at one byte a second, and `short_bodies` that
    declare 100 bytes of body and send 10, for as long as the block runs."""
    head = f"POST {BILL_PATH} HTTP/1.1\r\nHost: x\r\nX-Slow: {'z' * 400}".encode()
    short = (
        f"POST {BILL_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        'Content-Length: 100\r\n\r\n{"RegNo": '
    ).encode()
    holders = []
    for _ in range(short_bodies):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(short)
        holders.append(sock)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.setblocking(False)
        sockets.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        for index in range(len(head)):
            for sock in sockets:
                try:
                    sock.send(head[index : index + 1])
                except OSError:
                    pass  # the server closed it (a head deadline): that is the point
            if stop.wait(1.0):
                return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # let every slow connection reach the server before measuring
        yield sockets
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in sockets + holders:
            sock.close()


def measure(
    pool: ServerPool,
    workdir: Path,
    bench_dir: Path,
    *,
    workers: int,
    duration: float,
    rounds: int,
    seed_db: Callable[[Path], None],
) -> dict[str, Any]:
    """Every contender in turn: slow clients first, then 1 and 10 connections; medians over `rounds`."""
    results: dict[str, Any] = {
        "slow_clients": SLOW_CLIENTS,
        "short_bodies": SHORT_BODIES,
        "workers": workers,
        "contenders": [],
    }
    for contender in contenders(bench_dir):
        port = free_port()
        db = workdir / f"serving-{port}.db"
        seed_db(db)
        argv = [part.replace("{db}", str(db)) for part in contender.argv(port, workers)]
        print(f"  {contender.name}: {' '.join(argv[1:4])} ...", flush=True)
        try:
            env = {"HIS_BENCH_DB": str(db), "PYTHONPATH": str(bench_dir)}
            server = pool.start(contender.name, argv, port=port, cwd=workdir, env=env)
        except Exception as exc:  # a contender that cannot start is recorded, not fatal
            results["contenders"].append({"name": contender.name, "error": str(exc).splitlines()[0]})
            print(f"    could not start: {str(exc).splitlines()[0]}", flush=True)
            continue
        try:
            results["contenders"].append(_measure_one(contender, server, workers, duration, rounds))
        finally:
            pool.stop(server)
    return results


def _measure_one(
    contender: Contender, server: Server, workers: int, duration: float, rounds: int
) -> dict[str, Any]:
    token = success_response(
        server.base_url + LOGIN_PATH,
        {"userId": "demo", "password": "demo"},
        what=f"login to {contender.name}",
    )
    url = server.base_url + BILL_PATH

    def load(connections: int, round_no: int, label: str) -> LoadRun:
        return run_wrk(
            url, body=BILL_BODY, token=token, connections=connections, duration=duration,
            server=contender.name, operation=label, round_no=round_no, server_pid=server.process.pid,
        )  # fmt: skip

    load(10, 0, "warm-up")
    slow_runs = []
    for round_no in range(1, rounds + 1):
        with slow_clients(server.port):
            slow_runs.append(load(1, round_no, f"bill with {SLOW_CLIENTS} slow clients"))
        time.sleep(0.5)
    plain = {
        connections: [load(connections, r, "bill") for r in range(1, rounds + 1)]
        for connections in CONNECTIONS
    }
    row = {
        "name": contender.name,
        "description": contender.description,
        "workers": 1 if contender.name == "waitress" else workers,
        "slow": _summary(slow_runs),
        **{f"c{connections}": _summary(runs) for connections, runs in plain.items()},
    }
    print(
        f"    with {SLOW_CLIENTS} slow clients: {describe_slow(row['slow'])};"
        f" c=1 {row['c1']['rps']:.0f} req/s p99 {row['c1']['p99_ms']:.1f} ms;"
        f" c=10 {row['c10']['rps']:.0f} req/s p99 {row['c10']['p99_ms']:.1f} ms",
        flush=True,
    )
    return row


def _summary(runs: list[LoadRun]) -> dict[str, Any]:
    return {
        "rounds": len(runs),
        "rps": round(statistics.median(run.rps for run in runs), 1),
        "p50_ms": round(statistics.median(run.p50_ms for run in runs), 3),
        "p99_ms": round(statistics.median(run.p99_ms for run in runs), 3),
        "requests": min(run.requests for run in runs),
        "errors": sum(sum(run.socket_errors.values()) + run.non_2xx for run in runs),
        "cpu_us_per_request": round(
            statistics.median(run.cpu.get("server_cpu_us_per_request", 0.0) for run in runs), 1
        ),
        "others_cores": round(statistics.median(run.cpu.get("others_cores", 0.0) for run in runs), 2),
    }


def describe_slow(slow: dict[str, Any]) -> str:
    if not slow["requests"]:
        return f"blocked: no answer in a round ({slow['errors']} errors)"
    return f"{slow['rps']:.0f} req/s, p99 {slow['p99_ms']:.1f} ms, {slow['errors']} errors"
