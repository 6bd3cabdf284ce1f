"""Start servers as process groups on 127.0.0.1, stop them for sure, and sample their memory.

Every server runs in its own session, so stopping it stops its whole tree (gunicorn master and
workers, node and anything it forks). `ServerPool` stops everything it started on the way out,
on an error and on Ctrl-C alike.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import BenchError

HOST = "127.0.0.1"
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


@dataclass(slots=True)
class Server:
    """One server process group started by `ServerPool.start`."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@dataclass(slots=True)
class ServerPool:
    """Owns every server process the benchmark starts; `close()` stops them all."""

    log_dir: Path
    servers: list[Server] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60.0,
    ) -> Server:
        """Run `argv` (which must listen on `port`) and wait until it accepts connections."""
        if port_in_use(port):
            raise BenchError(
                f"port {port} on {HOST} is already taken by another process; free it or pick another port"
            )
        log_path = self.log_dir / f"{name}.log"
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen(
                    list(argv),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=full_env,
                    cwd=cwd,
                    start_new_session=True,
                )
            except OSError as exc:
                raise BenchError(f"cannot start {name} ({argv[0]}): {exc}") from exc
        server = Server(name, port, process, log_path)
        self.servers.append(server)
        deadline = time.monotonic() + timeout
        while not port_in_use(port):
            if process.poll() is not None:
                raise BenchError(
                    f"{name} exited with {process.returncode} before listening on {HOST}:{port}."
                    f" Command: {' '.join(argv)}\nIts output:\n{server.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{name} did not listen on {HOST}:{port} within {timeout:.0f} s.\nIts output:\n"
                    f"{server.log_tail()}"
                )
            time.sleep(0.05)
        return server

    def stop(self, server: Server) -> None:
        """Stop one server's process group: SIGTERM, then SIGKILL after a grace period."""
        stop_group(server.process)
        with contextlib.suppress(ValueError):
            self.servers.remove(server)

    def close(self) -> None:
        """Stop every server still running (in reverse start order)."""
        for server in reversed(list(self.servers)):
            self.stop(server)


def stop_group(process: subprocess.Popen[bytes], *, grace: float = 8.0) -> None:
    """Stop a process and its session politely, then firmly; never leave a worker behind."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # Workers can outlive a killed master; the session id finds them either way.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)


def children_map() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields start after the last ')'.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(root: int, children: Mapping[int, list[int]]) -> list[int]:
    """`root` and all its descendants."""
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass(slots=True)
class MemoryPeak:
    """The peaks seen for one server's process tree (KiB)."""

    tree_rss_kib: int = 0
    tree_pss_kib: int = 0
    worker_rss_kib: int = 0
    processes: int = 0
    samples: int = 0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tree_rss_mib": round(self.tree_rss_kib / 1024, 1),
            "tree_pss_mib": round(self.tree_pss_kib / 1024, 1),
            "worker_rss_mib": round(self.worker_rss_kib / 1024, 1),
            "processes": self.processes,
            "samples": self.samples,
        }


class MemorySampler(threading.Thread):
    """Samples the RSS of every watched server's process tree from /proc until stopped.

    RSS counts pages shared between a gunicorn master and its forked workers once per process;
    PSS splits them fairly, so both are kept. A "worker" is a process of the tree with no child
    (a gunicorn worker, or a single-process server itself).
    """

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self._interval = interval
        self._watched: dict[str, int] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self.peaks: dict[str, MemoryPeak] = {}

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._watched[name] = pid
            self.peaks.setdefault(name, MemoryPeak())

    def unwatch(self, name: str) -> None:
        with self._lock:
            self._watched.pop(name, None)

    def next_phase(self) -> dict[str, MemoryPeak]:
        """The peaks so far; sampling goes on with fresh peaks (the next phase of the benchmark)."""
        with self._lock:
            finished, self.peaks = self.peaks, {name: MemoryPeak() for name in self._watched}
        return finished

    def sample_once(self) -> None:
        children = children_map()
        with self._lock:
            watched = dict(self._watched)
        for name, root in watched.items():
            peak = self.peaks.get(name)
            if peak is None:
                continue
            tree = process_tree(root, children)
            rss = {pid: _rss_kib(pid) for pid in tree}
            leaves = [pid for pid in tree if not children.get(pid)]
            peak.tree_rss_kib = max(peak.tree_rss_kib, sum(rss.values()))
            peak.tree_pss_kib = max(peak.tree_pss_kib, sum(_pss_kib(pid) for pid in tree))
            peak.worker_rss_kib = max(peak.worker_rss_kib, max((rss[pid] for pid in leaves), default=0))
            peak.processes = max(peak.processes, len(tree))
            peak.samples += 1

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            self.sample_once()

    def stop(self) -> None:
        """Stop sampling (a no-op if it never started or already stopped)."""
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)


def run_group(argv: Sequence[str], *, timeout: float, env: Mapping[str, str], cwd: Path, output: Path) -> int:
    """Run a command in its own session, its output into `output`, and return its exit code.

    On a timeout, an error or Ctrl-C its whole process group is stopped: a suite run starts its own
    mock, which must not outlive it.
    """
    with open(output, "wb") as sink:
        try:
            process = subprocess.Popen(
                list(argv),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise BenchError(f"cannot run {argv[0]}: {exc}") from exc
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"`{' '.join(argv)}` took more than {timeout:.0f} s") from exc
        finally:
            stop_group(process)
