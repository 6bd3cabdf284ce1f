"""`--mock`: start his-mock as a separate process on a free port, and stop it afterwards.

The suite never imports `mock_server` (it must work against any URL); it runs
`python -m mock_server` with the interpreter running the suite, like any other server, and
reads an expired token from the mock's admin API for AUTH-4.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import requests

from conformance.errors import MockStartError

HOST = "127.0.0.1"
MOCK_USER_ID = "demo"
MOCK_PASSWORD = "demo"
MOCK_REG_NO = "1628214442"
MOCK_CARD_NO = "C000123456"
# The profile each flavor of the mock is judged by.
FLAVOR_BY_PROFILE = {"strict": "doc", "lenient": "aspnet"}
_START_TIMEOUT = 30.0
_ANSWERS_IN_A_ROW = 3


@dataclass(slots=True, frozen=True)
class RunningMock:
    base_url: str
    expired_token: str | None


@contextlib.contextmanager
def running_mock(profile_name: str) -> Iterator[RunningMock]:
    """A fresh his-mock (in-memory database) in the flavor matching the profile."""
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "mock_server",
        "--host",
        HOST,
        "--port",
        str(port),
        "--db",
        ":memory:",
        "--flavor",
        FLAVOR_BY_PROFILE[profile_name],
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        try:
            _wait_until_listening(process, port, log)
            base_url = f"http://{HOST}:{port}"
            yield RunningMock(base_url, _expired_token(base_url))
        finally:
            _stop(process)


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    """Until his-mock answers HTTP, several times in a row: its listening socket accepts as soon as
    it is bound, while the workers that answer on it may still be starting."""
    deadline = time.monotonic() + _START_TIMEOUT
    answered = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise MockStartError(f"his-mock exited with {process.returncode}: {_tail(log)}")
        if _answers_http(port):
            answered += 1
            if answered >= _ANSWERS_IN_A_ROW:
                return
        else:
            answered = 0
        time.sleep(0.05)
    raise MockStartError(
        f"his-mock did not listen on {HOST}:{port} within {_START_TIMEOUT:g} s: {_tail(log)}"
    )


def _answers_http(port: int) -> bool:
    with contextlib.suppress(OSError, requests.RequestException):
        return requests.get(f"http://{HOST}:{port}/openapi.yaml", timeout=2).status_code == 200
    return False


def _expired_token(base_url: str) -> str | None:
    """An already expired token from the mock's admin API (None if the mock cannot mint one)."""
    try:
        answer = requests.post(
            f"{base_url}/__admin/token", json={"userId": MOCK_USER_ID, "ttl": -60}, timeout=10
        )
        token = answer.json().get("token")
    except (requests.RequestException, ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    lines = log.read().decode("utf-8", errors="replace").strip().splitlines()
    return " | ".join(lines[-5:]) or "(no output)"


__all__ = ["RunningMock", "running_mock"]
