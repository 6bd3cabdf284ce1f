"""Run his-mock under Granian: whole requests only, read and idle deadlines, capped headers and connections.

Why Granian (benchmarks/README.md has the measurements): its HTTP/1.1 side is Rust, so the request
line and headers are read by a Tokio task, not by a Python thread, under `HEADER_READ_TIMEOUT_MS`
(which is also the idle deadline of a keep-alive connection) and within `MAX_HEADER_BYTES` (more is
answered 431). The body is read by `mock_server.bridge` in the worker's event loop under
`BODY_READ_TIMEOUT_S`; only then does one of `THREADS_PER_WORKER` Python threads run the Flask app.
`MAX_CONNECTIONS_PER_WORKER` caps the connections each worker holds (further ones wait in the
listen backlog). The same code serves `--workers 1` (the default) and `--workers N`.

Workers are processes of their own that build their own app from the settings (Granian forks or
spawns them; nothing is inherited but the settings), so everything the workers must agree on lives
in the database. A worker that dies (kill -9 included) is started again at once; the others keep
answering meanwhile, each on its own SO_REUSEPORT listening socket.
"""

from __future__ import annotations

import collections
import dataclasses
import errno
import functools
import importlib.util
import socket
import time
from collections.abc import Callable
from typing import Any

from mock_server.errors import ConfigError
from mock_server.service import HisMock, Settings

# A request's line and headers must arrive within this (Granian's header read timeout); an idle
# keep-alive connection is closed after it too.
HEADER_READ_TIMEOUT_MS = 10_000
# A request's body must arrive within this once its headers have.
BODY_READ_TIMEOUT_S = 10.0
# Granian's HTTP/1 read buffer: a request line plus headers beyond it are answered 431 (hyper grows
# its buffer in steps, so the refusal comes somewhere between this and twice this); so are more
# than 100 header fields.
MAX_HEADER_BYTES = 16 * 1024
# The largest body the server reads (the admin API's uploads; the HIS operations allow much less).
MAX_BODY_BYTES = 16 * 1024 * 1024
# Connections one worker serves at a time; more wait in the listen backlog until one closes.
MAX_CONNECTIONS_PER_WORKER = 512
LISTEN_BACKLOG = 1024
# Python threads per worker that run the app; a slow client never holds one (it has no complete request).
THREADS_PER_WORKER = 4
# Granian stops the whole server when a worker dies twice within 5.5 s. A mock that is kill -9'ed on
# purpose should not; a worker that cannot start at all (dying this often) still stops it.
CRASH_LOOP_DEATHS = 50
CRASH_LOOP_SECONDS = 60.0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a `ConfigError` that says the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve --host {host!r}: {exc.strerror}") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # No SO_REUSEPORT here: a port held by another server (even another his-mock) must fail.
        sock.bind(address)
        sock.listen(1)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use; choose another with --port") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve(mock: HisMock, *, host: str, port: int, workers: int, on_ready: Callable[[str], None]) -> None:
    """Serve until SIGTERM or Ctrl-C. `mock` (built and checked by the CLI) stays in this process;
    every worker builds its own from the same settings and database."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.server import Server

    # Granian binds in its workers; a check first makes a taken port our one-line error. Port 0
    # picks a free port here, which the workers then bind.
    probe = bind(host, port)
    actual_port = probe.getsockname()[1]
    probe.close()
    url = f"http://{_url_host(host)}:{actual_port}"
    # The workers open the database by its URL (`:memory:` is a temporary file this process owns).
    database = mock.database
    settings = dataclasses.replace(mock.settings, db=database.url)
    for engine in {
        id(e): e for e in (database.engine, database.fast_engine, database.journal_engine)
    }.values():
        engine.dispose()  # no open connection of this process reaches a worker

    server = Server(
        "mock_server",
        address=host,
        port=actual_port,
        interface=Interfaces.RSGI,
        workers=workers,
        blocking_threads=1,
        loop=Loops(event_loop()),
        http=HTTPModes.http1,
        websockets=False,
        backlog=LISTEN_BACKLOG,
        backpressure=MAX_CONNECTIONS_PER_WORKER,
        http1_settings=HTTP1Settings(
            header_read_timeout=HEADER_READ_TIMEOUT_MS, keep_alive=True, max_buffer_size=MAX_HEADER_BYTES
        ),
        log_level="warning",  # type: ignore[arg-type]
        log_dictconfig=_GRANIAN_LOGGING,
        respawn_failed_workers=True,
        workers_kill_timeout=5,
    )
    server.respawned_wrks = RespawnLedger()
    server.on_startup(lambda: on_ready(url))
    server.serve(target_loader=functools.partial(worker_app, settings, workers), wrap_loader=False)


def event_loop() -> str:
    """The workers' event loop, as Granian names it: uvloop where it is installed (a dependency but
    on Windows), since the bridge's coroutines and Granian's hand-overs cost about 13% less CPU per
    HIS call on it than on asyncio's own loop (benchmarks/README.md); asyncio's otherwise."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def worker_app(settings: Settings, workers: int) -> Any:
    """The RSGI app of one worker process (module level, so a spawned worker can unpickle it)."""
    from mock_server.app import create_app
    from mock_server.bridge import RsgiBridge

    mock = HisMock.create(settings, seed=False)
    app = create_app(mock=mock)
    return RsgiBridge(
        app,
        threads=THREADS_PER_WORKER,
        max_body=MAX_BODY_BYTES,
        body_timeout=BODY_READ_TIMEOUT_S,
        multiprocess=workers > 1,
        inline=app.extensions["his_api"].is_short,
    )


class RespawnLedger(dict[int, float]):
    """Stands in for Granian's `respawned_wrks` (worker index -> last respawn), which its serve loop
    reads as "died again within 5.5 s: a crash loop, stop everything". Here only `CRASH_LOOP_DEATHS`
    deaths of one worker within `CRASH_LOOP_SECONDS` are a crash loop."""

    def __init__(self) -> None:
        super().__init__()
        self._deaths: dict[int, collections.deque[float]] = {}

    def __setitem__(self, index: int, when: float) -> None:
        super().__setitem__(index, when)
        self._deaths.setdefault(index, collections.deque(maxlen=CRASH_LOOP_DEATHS)).append(when)

    def get(self, index: int, default: Any = None) -> float:
        deaths = self._deaths.get(index)
        now = time.monotonic()
        if deaths is not None and len(deaths) == CRASH_LOOP_DEATHS and now - deaths[0] < CRASH_LOOP_SECONDS:
            return now  # Granian's own test then sees a crash loop and stops the server
        return 0.0


_GRANIAN_LOGGING: dict[str, Any] = {
    # Granian's own lines (a worker that died, a respawn) on stderr beside the mock's, not on stdout.
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
        "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
    },
}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
