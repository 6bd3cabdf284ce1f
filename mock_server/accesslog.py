"""The access log: one line per request on stderr."""

from __future__ import annotations

import contextlib
import os
import time

from flask import Blueprint, Response, request


class AccessLog:
    """One line per call on stderr: time, method, path, envelope status, HTTP status, latency.

    Written with one `os.write` per line, which is atomic for a line this short, so threads and worker
    processes never interleave and no lock is taken (the `logging` module costs several times more).
    """

    def __init__(self, fd: int = 2) -> None:
        self._fd = fd
        # The last second a line was written in, and its date and time (formatting them costs
        # more than the rest of the line); one tuple, so threads never pair a second with another's text.
        self._stamp: tuple[int, str] = (-1, "")

    def write(self, line: str) -> None:
        now = time.time()
        second, stamp = self._stamp
        if int(now) != second:
            second = int(now)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._stamp = (second, stamp)
        with contextlib.suppress(OSError):  # a closed stderr must not fail the call
            os.write(self._fd, f"{stamp}.{int(now * 1000) % 1000:03d} his-mock {line}\n".encode())


def log_every_request(blueprint: Blueprint, access_log: AccessLog) -> None:
    """Give the routes of `blueprint` (admin, docs) their line too; the HIS routes write their own."""

    @blueprint.after_request
    def _log(response: Response) -> Response:
        access_log.write(f"{request.method} {request.path} status=- http={response.status_code}")
        return response
