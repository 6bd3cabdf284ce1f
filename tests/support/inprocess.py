"""Serve a server of the broken or quirky catalogue in a thread of the test process (no process start-up)."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

from tests.conformance.broken import base


def his_class(module_name: str, package: str = "broken") -> type[base.CorrectHis]:
    """The `CorrectHis` subclass `tests.conformance.<package>.<module_name>` defines (base: the reference)."""
    module = importlib.import_module(f"tests.conformance.{package}.{module_name}")
    if module_name == "base":
        return base.CorrectHis
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, base.CorrectHis)
        and value.__module__ == module.__name__
    ]
    assert len(found) == 1, f"{module_name} defines {len(found)} CorrectHis subclasses"
    return found[0]


@contextlib.contextmanager
def serve_his(module_name: str, package: str = "broken") -> Iterator[str]:
    """Serve `tests.conformance.<package>.<module_name>` on a free port of 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), base.make_handler(his_class(module_name, package)()))
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for one (the default 0.5 s, per server, adds up).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"his-{module_name}", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
