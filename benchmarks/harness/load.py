"""One wrk run: POST bodies with a bearer token, parsed into a `LoadRun` that says if it was clean."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.cpu import CpuMeter
from harness.errors import BenchError

LUA_SCRIPT = Path(__file__).resolve().parent.parent / "lua" / "post.lua"
_MARKER = "WRK_JSON "


@dataclass(slots=True)
class LoadRun:
    """The outcome of one wrk run against one server."""

    server: str
    operation: str
    connections: int
    round: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: dict[str, int]
    non_2xx: int
    not_success: int
    sample: str
    cpu: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.problems)

    @property
    def unbalanced(self) -> bool:
        """A multi-worker server whose second-busiest process did under a quarter of the busiest's work.

        Not an error: gunicorn workers keep the keep-alive connections they accepted, so with few
        connections one worker can end up with most of them. Users see the same; it is recorded so a
        low figure can be told apart from a slow server.
        """
        cores = self.cpu.get("process_cores", [])
        workers = len(cores) - 1  # a gunicorn master and its workers
        # With fewer than two connections per worker an idle worker is no surprise.
        return workers >= 2 and self.connections >= 2 * workers and cores[1] < 0.25 * cores[0]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flagged"] = self.flagged
        data["unbalanced"] = self.unbalanced
        return data


def run_wrk(
    url: str,
    *,
    body: str,
    token: str | None,
    connections: int,
    duration: float,
    server: str,
    operation: str,
    round_no: int,
    first_index: int | None = None,
    server_pid: int | None = None,
) -> LoadRun:
    """Drive `url` with `connections` keep-alive connections for `duration` seconds.

    One wrk thread: on a 2-core machine a second load thread would only take CPU from the server.
    With `first_index`, every `{n}` in `body` becomes a new number per request (SettleByDoctor).
    With `server_pid`, the CPU time of the server's process tree, of wrk and of the rest is recorded.
    """
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--timeout", "5s", "-s", str(LUA_SCRIPT)]
    if token is not None:
        argv += ["-H", f"Authorization: Bearer {token}"]
    argv += [url, "--", body]
    if first_index is not None:
        argv += [str(first_index), "1"]
    meter = CpuMeter(server_pid).start() if server_pid is not None else None
    try:
        completed = subprocess.run(
            argv, capture_output=True, timeout=duration + 30, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as exc:
        raise BenchError("wrk is not installed (apt-get install wrk)") from exc
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + 30:g} s against {url}") from exc
    stdout = completed.stdout.decode("utf-8", "replace")
    lines = [line for line in stdout.splitlines() if line.startswith(_MARKER)]
    if completed.returncode != 0 or not lines:
        raise BenchError(
            f"wrk failed (exit {completed.returncode}) against {url}:\n{stdout}\n"
            f"{completed.stderr.decode('utf-8', 'replace')}"
        )
    data = json.loads(lines[-1][len(_MARKER) :])
    latency = data["latency_us"]
    duration_s = data["duration_us"] / 1e6
    errors: dict[str, int] = data["errors"]
    run = LoadRun(
        server=server,
        operation=operation,
        connections=connections,
        round=round_no,
        requests=data["requests"],
        duration_s=round(duration_s, 3),
        rps=round(data["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        socket_errors={k: v for k, v in errors.items() if k != "status"},
        non_2xx=data["non_2xx"],
        not_success=data["not_success"],
        sample=data["sample"],
    )
    if meter is not None:
        run.cpu = meter.stop(run.requests)
    run.problems = _problems(run)
    return run


def _problems(run: LoadRun) -> list[str]:
    problems = [f"{count} socket {kind} errors" for kind, count in run.socket_errors.items() if count]
    if run.non_2xx:
        problems.append(f"{run.non_2xx} non-2xx answers")
    if run.not_success:
        problems.append(f"{run.not_success} answers without isSuccess true (first: {run.sample[:160]})")
    if run.requests == 0:
        problems.append("no request completed")
    return problems
