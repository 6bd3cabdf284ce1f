"""Run his-mock under uvicorn: whole requests only, read and idle deadlines, capped headers and connections.

Why uvicorn with httptools (benchmarks/README.md has the measurements): a call goes from the socket
through the C parser to the app and back on the worker's event loop, with no hand-over between
threads; Granian, the server before, handed every call from its Rust threads to the Python loop and
back, which cost about a third of the throughput at one connection. `mock_server.protocol` adds
the limits uvicorn leaves out: the request head must arrive within `HEADER_READ_TIMEOUT_S` (also
the idle deadline of a keep-alive connection) and within `MAX_HEADER_BYTES` (more is answered 431),
and a worker serves `MAX_CONNECTIONS_PER_WORKER` connections at once (more wait unread). The body is
read by `mock_server.bridge` in the event loop under `BODY_READ_TIMEOUT_S`; only then does the app
run, on the loop's thread for a HIS call or on one of `THREADS_PER_WORKER` threads for the rest. The
same code serves `--workers 1` (the default) and `--workers N`.

Workers are processes of their own (spawned, so nothing is inherited but the settings and the
listening socket) that build their own app, so everything the workers must agree on lives in the
database. The parent only watches them: a worker that dies (kill -9 included) is started again at
once, and the others keep answering meanwhile from the one shared listening socket, whose backlog
also holds the connections that arrive while no worker is accepting.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import dataclasses
import errno
import functools
import importlib.util
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from mock_server.errors import ConfigError, MockError
from mock_server.protocol import (
    HEADER_READ_TIMEOUT_S,
    MAX_CONNECTIONS_PER_WORKER,
    MAX_HEADER_BYTES,
    MAX_HEADER_FIELDS,
)
from mock_server.service import HisMock, Settings

__all__ = [
    "BODY_READ_TIMEOUT_S",
    "HEADER_READ_TIMEOUT_MS",
    "HEADER_READ_TIMEOUT_S",
    "MAX_BODY_BYTES",
    "MAX_CONNECTIONS_PER_WORKER",
    "MAX_HEADER_BYTES",
    "MAX_HEADER_FIELDS",
    "THREADS_PER_WORKER",
    "bind",
    "serve",
    "serve_asgi",
]

log = logging.getLogger("his_mock")

HEADER_READ_TIMEOUT_MS = int(HEADER_READ_TIMEOUT_S * 1000)
# A request's body must arrive within this once its headers have.
BODY_READ_TIMEOUT_S = 10.0
# The largest body the server reads (the admin API's uploads; the HIS operations allow much less).
MAX_BODY_BYTES = 16 * 1024 * 1024
LISTEN_BACKLOG = 1024
# Python threads per worker that run the app's longer calls; a slow client never holds one (it has
# no complete request).
THREADS_PER_WORKER = 4
# A mock that is kill -9'ed on purpose keeps going; workers that die this often (one that cannot
# start at all stops the server at once) stop it.
CRASH_LOOP_DEATHS = 50
CRASH_LOOP_SECONDS = 60.0
# On SIGTERM a worker finishes the calls in flight for up to this long.
STOP_GRACE_S = 5
# How long a spawned worker may take to build its app and listen.
WORKER_START_TIMEOUT_S = 60.0


class ServingError(MockError):
    """The workers could not be started or kept running."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a `ConfigError` that says the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve --host {host!r}: {exc.strerror}") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # SO_REUSEADDR lets a restart bind while old connections linger in TIME_WAIT; no SO_REUSEPORT:
        # a port held by another server (even another his-mock) must fail.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use; choose another with --port") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve(mock: HisMock, *, host: str, port: int, workers: int, on_ready: Callable[[str], None]) -> None:
    """Serve until SIGTERM or Ctrl-C. `mock` (built and checked by the CLI) stays in this process;
    every worker builds its own from the same settings and database."""
    sock = bind(host, port)
    url = f"http://{_url_host(host)}:{sock.getsockname()[1]}"
    # The workers open the database by its URL (`:memory:` is a temporary file this process owns).
    database = mock.database
    settings = dataclasses.replace(mock.settings, db=database.url)
    for engine in {
        id(e): e for e in (database.engine, database.fast_engine, database.journal_engine)
    }.values():
        engine.dispose()  # no open connection of this process reaches a worker
    factory = functools.partial(worker_app, settings, workers, os.getpid())
    serve_asgi(factory, sock, workers=workers, on_ready=lambda: on_ready(url))


def serve_asgi(
    factory: Callable[[], Any], sock: socket.socket, *, workers: int, on_ready: Callable[[], None]
) -> None:
    """Serve the ASGI app `factory()` builds in each of `workers` spawned processes on the listening
    `sock`, his-mock's way (also the benchmarks' ceiling); `on_ready` once every worker listens."""
    config = uvicorn.Config(
        factory,
        factory=True,
        interface="asgi3",
        http=HisHttpProtocolPath,
        loop=event_loop(),
        ws="none",
        lifespan="off",
        workers=workers,
        backlog=LISTEN_BACKLOG,
        timeout_keep_alive=int(HEADER_READ_TIMEOUT_S),
        timeout_graceful_shutdown=STOP_GRACE_S,
        # The mock's own log line per call; uvicorn's loggers reach the root logger (warnings only).
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    logging.getLogger("uvicorn").setLevel(logging.WARNING)  # the supervisor's own lines, in this process
    supervisor = Supervisor(config, [sock], on_ready=on_ready)
    try:
        supervisor.run()
    finally:
        sock.close()
    if supervisor.failure is not None:
        raise ServingError(supervisor.failure)


# uvicorn imports the protocol class by name in each worker.
HisHttpProtocolPath = "mock_server.protocol:HisHttpProtocol"


def event_loop() -> str:
    """The workers' event loop, as uvicorn names it: uvloop where it is installed (a dependency but
    on Windows), since a HIS call costs less CPU on it than on asyncio's own loop; asyncio's otherwise."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def worker_app(settings: Settings, workers: int, parent: int) -> Any:
    """The ASGI app of one worker process (module level, so a spawned worker can unpickle it)."""
    die_with_parent(parent)
    from mock_server.app import create_app
    from mock_server.bridge import AsgiBridge
    from mock_server.cli import configure_logging

    configure_logging()  # a spawned worker starts with Python's defaults
    mock = HisMock.create(settings, seed=False)
    app = create_app(mock=mock)
    return AsgiBridge(
        app,
        threads=THREADS_PER_WORKER,
        max_body=MAX_BODY_BYTES,
        body_timeout=BODY_READ_TIMEOUT_S,
        multiprocess=workers > 1,
        inline=app.extensions["his_api"].is_short,
    )


def die_with_parent(parent: int) -> None:
    """End this worker when the supervisor `parent` dies, even by kill -9: an orphaned worker would
    go on holding the port. Linux's parent-death signal; elsewhere workers outlive a killed parent."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


class Supervisor(Multiprocess):
    """uvicorn's process supervisor, which starts a worker again when one dies, plus: `on_ready` once
    every worker serves, a line for each death, and a crash-loop rule of our own (uvicorn stops only
    for a worker that fails before it serves)."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[socket.socket], *, on_ready: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self._on_ready = on_ready
        self._deaths: collections.deque[float] = collections.deque(maxlen=CRASH_LOOP_DEATHS)
        self.failure: str | None = None

    def init_processes(self) -> None:
        super().init_processes()
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        for process in self.processes:
            # In short waits, with the signals handled in between: Ctrl-C or SIGTERM during a slow
            # start stops the server at once (uvicorn's own loop only runs once this returns).
            while not process.is_ready(timeout=0.2):
                self.handle_signals()
                if self.should_exit.is_set():
                    return
                if process.exitcode is not None or time.monotonic() > deadline:
                    self.failure = (
                        "a worker could not start (its error is above)"
                        if process.exitcode is not None
                        else f"a worker did not start within {WORKER_START_TIMEOUT_S:g} s"
                    )
                    self.should_exit.set()
                    return
                time.sleep(0.05)
        self._on_ready()

    def keep_subprocess_alive(self) -> None:
        before = list(self.processes)
        super().keep_subprocess_alive()
        now = time.monotonic()
        for old, new in zip(before, self.processes, strict=True):
            if old is not new:
                self._deaths.append(now)
                log.warning("worker %s died (exit code %s); another one starts", old.pid, old.exitcode)
        if any(process.exitcode == STARTUP_FAILURE for process in self.processes):
            # uvicorn stops the server then: the app cannot be built, and would not be the next time.
            self.failure = "a worker could not start (its error is above)"
        if len(self._deaths) == CRASH_LOOP_DEATHS and now - self._deaths[0] < CRASH_LOOP_SECONDS:
            self.failure = f"{CRASH_LOOP_DEATHS} workers died within {CRASH_LOOP_SECONDS:g} s; stopping"
            self.should_exit.set()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
