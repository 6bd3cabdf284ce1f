"""The one exception of the harness: the benchmark could not run (not: a server was slow)."""

from __future__ import annotations


class BenchError(Exception):
    """A tool is missing, a port is taken, a server did not start or answered the wrong thing.

    The message says what went wrong and what to do; `run.py` prints it and exits with 2.
    """
