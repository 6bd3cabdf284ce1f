"""Run the app: a threaded Werkzeug server for one process, gunicorn (gthread) for `--workers N > 1`.

Both keep connections alive (HTTP/1.1). The listening socket is bound before anything is printed, so a
taken port is one clear error, and `on_ready` runs once the socket accepts connections.
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from mock_server.errors import ConfigError
from mock_server.service import HisMock

THREADS_PER_WORKER = 2


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive, and no access line of Werkzeug's own: the app logs one line per call."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a `ConfigError` that says the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve --host {host!r}: {exc.strerror}") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use; choose another with --port") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def serve(
    app: Flask, mock: HisMock, *, host: str, port: int, workers: int, on_ready: Callable[[str], None]
) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    if workers > 1:
        _serve_gunicorn(app, mock, host=host, port=port, workers=workers, on_ready=on_ready)
    else:
        _serve_werkzeug(app, host=host, port=port, on_ready=on_ready)


def _serve_werkzeug(app: Flask, *, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    server = make_server(
        host, actual_port, app, threaded=True, request_handler=_QuietHandler, fd=sock.fileno()
    )

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    on_ready(f"http://{_url_host(host)}:{actual_port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sock.close()


def _serve_gunicorn(
    app: Flask, mock: HisMock, *, host: str, port: int, workers: int, on_ready: Callable[[str], None]
) -> None:
    from gunicorn.app.base import BaseApplication

    # gunicorn binds the port itself; check first so a taken port is our one-line error, not its retries.
    bind(host, port).close()

    class _Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{_url_host(host)}:{port}",
                "workers": workers,
                # gthread keeps connections alive (sync workers do not), and threads share the DB pool.
                "worker_class": "gthread",
                "threads": THREADS_PER_WORKER,
                "keepalive": 5,
                # The app is built once, before the fork (all shared state is in the database).
                "preload_app": True,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "graceful_timeout": 5,
                "timeout": 300,
                "proc_name": "his-mock",
                "when_ready": lambda _arbiter: on_ready(f"http://{_url_host(host)}:{port}"),
                "post_fork": lambda _arbiter, _worker: mock.database.after_fork(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    sys.argv = sys.argv[:1]  # gunicorn must not read the mock's own options
    _Application().run()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
