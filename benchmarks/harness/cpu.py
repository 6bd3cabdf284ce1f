"""CPU time during one load run: the server's process tree, wrk, and everything else on the machine.

On a shared 2-core machine throughput swings with the neighbours' load; CPU time per request
hardly does. So every run records how many cores the server, wrk and "others" (other people's
processes) used, and the server's CPU microseconds per request.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.processes import children_map, process_tree

_HZ = os.sysconf("SC_CLK_TCK")


def _machine_busy_s() -> float:
    # cpu  user nice system idle iowait irq softirq steal ...
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _HZ


def _tree_cpu_s(root: int) -> dict[int, float]:
    """CPU seconds so far of every process in the tree of `root`."""
    found: dict[int, float] = {}
    for pid in process_tree(root, children_map()):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[pid] = (int(fields[11]) + int(fields[12])) / _HZ  # utime, stime
    return found


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(slots=True)
class CpuMeter:
    """Snapshot at start; `stop()` returns the cores used by the server, wrk and the rest."""

    server_pid: int
    _wall: float = 0.0
    _busy: float = 0.0
    _server: dict[int, float] = field(default_factory=dict)
    _children: float = 0.0

    def start(self) -> CpuMeter:
        self._wall, self._busy = time.monotonic(), _machine_busy_s()
        self._server, self._children = _tree_cpu_s(self.server_pid), _children_cpu_s()
        return self

    def stop(self, requests: int) -> dict[str, Any]:
        wall = time.monotonic() - self._wall
        busy = _machine_busy_s() - self._busy
        now = _tree_cpu_s(self.server_pid)
        per_process = {pid: now[pid] - self._server.get(pid, 0.0) for pid in now}
        server = sum(per_process.values())
        # wrk is the only child that ends during a load run.
        load_generator = _children_cpu_s() - self._children
        return {
            "server_cores": round(server / wall, 2),
            "wrk_cores": round(load_generator / wall, 2),
            "others_cores": round(max(busy - server - load_generator, 0.0) / wall, 2),
            "server_cpu_us_per_request": round(server / requests * 1e6, 1) if requests else 0.0,
            # Busiest process first: with keep-alive, gunicorn workers keep the connections they
            # accepted, and an uneven split leaves one worker (one core) doing most of the work.
            "process_cores": sorted((round(cpu / wall, 2) for cpu in per_process.values()), reverse=True),
        }
